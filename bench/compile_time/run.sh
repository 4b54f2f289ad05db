#!/usr/bin/env bash
# Compile time as users feel it (issue 24, point 4): one workflow with 1 and with 50 handlers
# (signals, queries and updates in turn), written with this project's macros and with the
# official Rust SDK's (`temporalio-macros` 1.1.2, as in ../shared/bench/anchors), each in a
# crate of its own outside the workspace, as a user's crate is. It prints the time of an
# incremental debug build of the crate after a one-line change in the workflow's body (the
# median of ROUNDS), with 1 and with 50 handlers: the difference is what 50 handlers cost on
# every rebuild.
#
#   bench/compile_time/run.sh        # WORK=$HOME/.cache/workflow-dsl/compile-time ROUNDS=5
#
# The first run builds both SDKs' dependencies (several minutes each); later runs reuse them.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${WORK:-$HOME/.cache/workflow-dsl/compile-time}"
ROUNDS="${ROUNDS:-5}"
ANCHOR_LOCK="${ANCHOR_LOCK:-$ROOT/../shared/bench/anchors/official-rust/Cargo.lock}"
mkdir -p "$WORK"
unset CARGO_TARGET_DIR CARGO_INCREMENTAL   # a user's defaults: ./target, incremental debug builds

# The official crate is held to the anchor's lock; ours starts from this repository's lock, which
# cargo trims to the crate's own dependencies on the first build.
# cargo_in CRATE ARGS...: runs `cargo ARGS...` in the crate.
cargo_in() {
  local crate=$1 locked=""
  shift
  [[ $crate == official ]] && locked="--locked"
  (cd "$WORK/$crate" && cargo "$@" -q $locked 2>>"$WORK/build.log") ||
    { echo "cargo $* fails in the $crate crate; see $WORK/build.log" >&2; exit 1; }
}

# Seconds of one build of crate $1 after changing the line `let edit = ...;` in file $3:
# `cargo build` for the workflow's source, `cargo test --no-run` (compile and link the test
# binary) for the test's.
rebuild_seconds() {
  local start end what=build
  [[ $3 == tests/* ]] && what=test
  sed -i "s/let edit = [0-9]*;/let edit = $2;/" "$WORK/$1/$3"
  start=$(date +%s.%N)
  if [[ $what == build ]]; then cargo_in "$1" build; else cargo_in "$1" test --no-run; fi
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.2f}')"
}


median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "| SDK | handlers | what changed | rebuild, s (median of $ROUNDS) | all rounds |"
echo "|---|---|---|---|---|"
for handlers in 1 50; do
  python3 "$HERE/generate.py" --root "$ROOT" --work "$WORK" --anchor-lock "$ANCHOR_LOCK" \
      --handlers "$handlers"
  for sdk in ours official; do
    cargo_in "$sdk" test --no-run   # dependencies, the new source and the test, untimed
    for file in src/lib.rs tests/registers.rs; do
      [[ $file == tests/* && $handlers != 1 ]] && continue
      times=()
      for round in $(seq 1 "$ROUNDS"); do
        times+=("$(rebuild_seconds "$sdk" "$round" "$file")")
      done
      printf '| %s | %s | %s | %s | %s |\n' "$sdk" "$handlers" \
          "$([[ $file == src/* ]] && echo "a line of the workflow (cargo build)" || echo "a line of a test (cargo test --no-run)")" \
          "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}"
    done
  done
done
