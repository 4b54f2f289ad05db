# Memory per cached workflow, ours beside the official Rust SDK's: each parks N runs holding a
# state of S KiB on a worker whose cache keeps them all (`workflow-bench cache`, and the same
# workload written with the official SDK in `peers/official_cache.rs`), on a fresh dev server
# per run, and prints the resident memory the runs added, per run.
#
# Sourced by anchor.sh inside the anchors' run.sh (it uses start_server, stop_server, $ADDR,
# $HERE, $WORK, $RESULTS, $PY and $OURS_BIN). Prints one JSON line per SDK and case into
# $RESULTS, and a table of its own. CACHE_CASES lists the cases as N:S.

CACHE_CASES="${CACHE_CASES:-1000:0 1000:100 10000:0 10000:100}"

log "cache: building the official anchor with the cache workload"
CACHE_SRC="$WORK/official-rust-cache"
rm -rf "$CACHE_SRC"
mkdir -p "$CACHE_SRC"
cp -r "$HERE/official-rust/Cargo.toml" "$HERE/official-rust/Cargo.lock" "$HERE/official-rust/src" "$CACHE_SRC/"
chmod -R u+w "$CACHE_SRC"
cp "$OURS_ROOT/bench/peers/official_cache.rs" "$CACHE_SRC/src/official_cache.rs"
"$PY" - "$CACHE_SRC/src/main.rs" <<'PYEOF'
import sys
path = sys.argv[1]
text = open(path).read()
for old, new in [
    ("mod workflows;", "mod official_cache;\nmod workflows;"),
    ('"replay" => cmd_replay(&m).await,', '"replay" => cmd_replay(&m).await,\n        "cache" => official_cache::cmd_cache(&m).await,'),
]:
    assert text.count(old) == 1, f"{old!r} not found once in the official anchor's main.rs"
    text = text.replace(old, new)
open(path, "w").write(text)
PYEOF
# As in replay_scaling.sh: the anchors' target folder is shared, so copy the binary out.
(cd "$CACHE_SRC" && cargo build --release --locked -q)
CACHE_BIN="$WORK/official-rust-cache-anchor"
cp "${CARGO_TARGET_DIR:-$CACHE_SRC/target}/release/official-rust-anchor" "$CACHE_BIN"

for case in $CACHE_CASES; do
  n="${case%%:*}"
  kib="${case##*:}"
  for sdk in ours official; do
    idle_gate
    start_server
    log "cache: $sdk, $n runs of $kib KiB"
    if [[ "$sdk" == ours ]]; then
      "$OURS_BIN" cache --addr "$ADDR" --n "$n" --state-kib "$kib" 2>>"$WORK/cache.stderr" | tee -a "$RESULTS" >&2
    else
      "$CACHE_BIN" cache --addr "$ADDR" --n "$n" --state-kib "$kib" 2>>"$WORK/cache.stderr" | tee -a "$RESULTS" >&2
    fi
    stop_server
  done
done

"$PY" - "$RESULTS" <<'PYEOF' >&2
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r.get("bench") == "cache"]
by = {}
for r in rows:
    by.setdefault((r["n"], r["state_kib"]), {})[r["sdk"]] = r
print("\n| cached runs | state | ours, bytes per run | official, bytes per run | ours beyond the state | official beyond the state |")
print("|---|---|---|---|---|---|")
for (n, kib) in sorted(by):
    o, a = by[(n, kib)].get("workflow-runtime"), by[(n, kib)].get("rust-official")
    if not (o and a):
        continue
    print(f"| {n:,} | {kib} KiB | {o['bytes_per_cached_run']:,} | {a['bytes_per_cached_run']:,} | "
          f"{o['overhead_bytes_per_run']:,} | {a['overhead_bytes_per_run']:,} |")
PYEOF
