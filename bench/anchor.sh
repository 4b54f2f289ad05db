# Our project in the benchmark run of shared/bench: source this file through the anchors'
# EXTRA_ANCHOR hook, so our figures print in the same table as the official SDKs':
#
#   EXTRA_ANCHOR=$PWD/bench/anchor.sh ../shared/bench/anchors/run.sh
#
# run.sh provides load_run, idle_gate, $RESULTS, $HISTORY_PB, N1 C1 N2 C2 REPLAY_ITERS.
OURS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log "building workflow-bench (release)"
(cd "$OURS_ROOT" && cargo build --release --locked -q -p bench)
OURS_BIN="${CARGO_TARGET_DIR:-$OURS_ROOT/target}/release/workflow-bench"
[[ -x "$OURS_BIN" ]] || { echo "missing $OURS_BIN" >&2; exit 1; }
load_run ours-w1 "$OURS_BIN" load --workload one --n "$N1" --concurrency "$C1"
load_run ours-w2 "$OURS_BIN" load --workload ten --n "$N2" --concurrency "$C2"
idle_gate
"$OURS_BIN" replay --history-pb "$HISTORY_PB" --iters "$REPLAY_ITERS" | tee -a "$RESULTS" >&2
# Replay cost against history length (1k, 3k, 10k events), ours beside the official Rust SDK.
if [[ "${SCALING:-1}" == 1 ]]; then
  # shellcheck source=/dev/null
  source "$OURS_ROOT/bench/replay_scaling.sh"
fi
# Worker instructions per workflow on W1 and W2 under callgrind, beside the official Rust SDK.
if [[ "${INSTRUCTIONS:-1}" == 1 ]]; then
  # shellcheck source=/dev/null
  source "$OURS_ROOT/bench/worker_instructions.sh"
fi
# Memory per cached workflow (1,000 and 10,000 runs, small and 100 KiB states), beside the
# official Rust SDK.
if [[ "${CACHE:-1}" == 1 ]]; then
  # shellcheck source=/dev/null
  source "$OURS_ROOT/bench/cache_compare.sh"
fi
