# Replay cost against history length: BenchLong histories of about 1k, 3k and 10k events,
# replayed by our replayer and by the official Rust SDK's, counted by callgrind (instructions,
# not seconds: the same count whatever else the machine does) and timed natively.
#
# Sourced by anchor.sh inside the anchors' run.sh (it uses start_server, stop_server, $ADDR,
# $HERE, $WORK, $RESULTS, $HISTORY_PB, $PY and $OURS_BIN). Prints one JSON line per history and
# SDK into $RESULTS, and a table of its own.
#
# The official anchor's BenchLong always runs 500 activities. A copy of it, built here under
# $WORK and never committed, takes the same rule as ours: an input ending in
# `:activities=N` runs N (see `chain_length` in main.rs); any other input still runs 500.

SCALING_ACTIVITIES="${SCALING_ACTIVITIES:-166 1666}"   # about 1k and 10k events; 3k is W3's history

log "replay scaling: building the official anchor with a BenchLong of any length"
SCALED_SRC="$WORK/official-rust-scaling"
rm -rf "$SCALED_SRC"
mkdir -p "$SCALED_SRC"
cp -r "$HERE/official-rust/Cargo.toml" "$HERE/official-rust/Cargo.lock" "$HERE/official-rust/src" "$SCALED_SRC/"
chmod -R u+w "$SCALED_SRC"
"$PY" - "$SCALED_SRC/src/workflows.rs" <<'PYEOF'
import sys
path = sys.argv[1]
text = open(path).read()
old = "echo_chain(ctx, input, 500).await"
assert text.count(old) == 1, "BenchLong's 500-step chain not found in the official anchor"
new = ("{ let n = input.rsplit_once(\":activities=\").and_then(|(_, n)| n.parse().ok())"
       ".unwrap_or(500); echo_chain(ctx, input, n).await }")
open(path, "w").write(text.replace(old, new))
PYEOF
# Its own target folder under $WORK would rebuild every dependency; the anchors' one is shared,
# so copy the binary out before anything rebuilds the unmodified anchor over it.
(cd "$SCALED_SRC" && cargo build --release --locked -q)
SCALED_BIN="$WORK/official-rust-scaling-anchor"
cp "${CARGO_TARGET_DIR:-$SCALED_SRC/target}/release/official-rust-anchor" "$SCALED_BIN"

log "replay scaling: recording BenchLong histories of ${SCALING_ACTIVITIES} activities"
start_server
SCALING_HISTORIES=()
for n in $SCALING_ACTIVITIES; do
  out="$WORK/benchlong-$n.binpb"
  "$OURS_BIN" long --addr "$ADDR" --workflow-id "bench-long-$(date +%s):activities=$n" \
      --history-out "$out" 2>>"$WORK/scaling.stderr"
  SCALING_HISTORIES+=("$out")
done
stop_server
SCALING_HISTORIES+=("$HISTORY_PB")

# Instructions of one replay: a run of 3 replays minus a run of 1, halved, so that start-up and
# reading the file drop out. Writes the callgrind profile of the 3-replay run to $2.out.
instructions_per_replay() {
  local bin="$1" prefix="$2" history="$3" one three
  valgrind --tool=callgrind --callgrind-out-file="$prefix.1.out" \
      "$bin" replay --history-pb "$history" --iters 1 >/dev/null 2>>"$WORK/scaling.stderr"
  valgrind --tool=callgrind --callgrind-out-file="$prefix.3.out" \
      "$bin" replay --history-pb "$history" --iters 3 >/dev/null 2>>"$WORK/scaling.stderr"
  one=$(awk '/^totals:/ { print $2 }' "$prefix.1.out")
  three=$(awk '/^totals:/ { print $2 }' "$prefix.3.out")
  echo $(( (three - one) / 2 ))
}

# Where one replay's instructions go, by the function that executes them (self cost): the
# difference between the 3-replay and the 1-replay profiles, per part, as shares.
replay_parts() {
  "$PY" - "$1.1.out" "$1.3.out" <<'PYEOF'
import json, re, subprocess, sys
PARTS = [
    ("copies", re.compile(r"\bmem(cpy|move|set)|__memcpy|__memmove|__memset")),
    ("allocator", re.compile(r"\b(_int_)?(malloc|free|realloc|calloc)\b|malloc_consolidate|unlink_chunk|cfree")),
    ("protobuf", re.compile(r"prost|protos::")),
    ("core engine", re.compile(r"temporalio_sdk_core")),
    ("ours", re.compile(r"workflow_runtime|workflow_bench|\bbench::")),
    ("official SDK", re.compile(r"temporalio_sdk::|temporalio_workflow|temporalio_sdk\b")),
    ("executor and thread hops", re.compile(r"tokio::|crossbeam|futures_|parking_lot|std::sync|std::thread|syscall|futex|pthread")),
]
def parts(path):
    out = subprocess.run(["callgrind_annotate", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    totals = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        ir = int(m.group(1).replace(",", ""))
        name = m.group(2)
        part = next((p for p, rx in PARTS if rx.search(name)), "other")
        totals[part] = totals.get(part, 0) + ir
    return totals
one, three = parts(sys.argv[1]), parts(sys.argv[2])
diff = {k: (three.get(k, 0) - one.get(k, 0)) / 2 for k in set(one) | set(three)}
total = sum(v for v in diff.values() if v > 0)
print(json.dumps({k: round(v / total, 3) for k, v in sorted(diff.items(), key=lambda kv: -kv[1]) if v > 0}))
PYEOF
}

for history in "${SCALING_HISTORIES[@]}"; do
  for sdk in ours official; do
    if [[ $sdk == ours ]]; then bin="$OURS_BIN"; name="workflow-runtime"; else bin="$SCALED_BIN"; name="official-rust"; fi
    idle_gate
    timed=$("$bin" replay --history-pb "$history" --iters "$REPLAY_ITERS")
    prefix="$WORK/callgrind-$sdk-$(basename "$history" .binpb)"
    instr=$(instructions_per_replay "$bin" "$prefix" "$history")
    parts=$(replay_parts "$prefix")
    "$PY" - "$name" "$instr" "$parts" "$timed" <<'PYEOF' | tee -a "$RESULTS" >&2
import json, sys
name, instr, parts, timed = sys.argv[1:]
timed = json.loads(timed)
events = timed["events"]
print(json.dumps({
    "sdk": name, "workload": f"replay-scaling {events} events", "events": int(events),
    "instructions_per_replay": int(instr), "instructions_per_event": int(instr) / int(events),
    "replay_ms_mean": timed["replay_ms_mean"], "parts": json.loads(parts),
}))
PYEOF
  done
done

"$PY" - "$RESULTS" <<'PYEOF' >&2
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if "instructions_per_replay" in r]
by = {}
for r in rows:
    by.setdefault(r["events"], {})[r["sdk"]] = r
print("\n| events | ours M instr | official M instr | ours/official | ours instr/event | official instr/event | ours ms | official ms |")
print("|---|---|---|---|---|---|---|---|")
for events in sorted(by):
    o, a = by[events].get("workflow-runtime"), by[events].get("official-rust")
    if not (o and a):
        continue
    print(f"| {events} | {o['instructions_per_replay'] / 1e6:.1f} | {a['instructions_per_replay'] / 1e6:.1f} | "
          f"{o['instructions_per_replay'] / a['instructions_per_replay']:.2f}x | {o['instructions_per_event']:.0f} | "
          f"{a['instructions_per_event']:.0f} | {o['replay_ms_mean']:.1f} | {a['replay_ms_mean']:.1f} |")
for r in rows:
    print(f"parts of one replay, {r['sdk']}, {r['events']} events: " +
          ", ".join(f"{k} {v * 100:.0f}%" for k, v in r["parts"].items()))
PYEOF
