# Worker instructions per workflow, ours beside the official Rust SDK's: W1 and W2 at a small
# scale under callgrind, which counts instructions (the same count whatever else the machine
# does; its slowness stretches wall time, not the count). Each run is one process, worker and
# client together, start-up and a warm-up of 5 workflows included, on a fresh dev server.
#
# Sourced by anchor.sh inside the anchors' run.sh (it uses start_server, stop_server, $ADDR,
# $WORK, $RESULTS, $PY, $RUST_BIN and $OURS_BIN). Prints one JSON line per SDK and workload
# into $RESULTS, and a table of its own. WI_N1 and WI_N2 set the workflow counts.

WI_N1="${WI_N1:-200}"
WI_N2="${WI_N2:-60}"

for spec in "one $WI_N1 20" "ten $WI_N2 10"; do
  read -r kind n concurrency <<<"$spec"
  for sdk in ours official; do
    if [[ "$sdk" == ours ]]; then bin="$OURS_BIN"; else bin="$RUST_BIN"; fi
    idle_gate
    start_server
    log "worker instructions: $sdk, $kind, $n workflows"
    prefix="$WORK/callgrind-load-$sdk-$kind"
    valgrind --tool=callgrind --callgrind-out-file="$prefix.out" \
      "$bin" load --addr "$ADDR" --workload "$kind" --n "$n" --concurrency "$concurrency" \
      --warmup 5 >"$prefix.json" 2>"$prefix.err"
    stop_server
    "$PY" - "$prefix.err" "$prefix.json" "$sdk" "$kind" "$n" <<'PYEOF' | tee -a "$RESULTS" >&2
import json, re, sys
err, out, sdk, kind, n = sys.argv[1:6]
instr = int(re.search(r"Collected : (\d+)", open(err).read()).group(1))
json.loads(open(out).read().strip().splitlines()[-1])  # the run finished with its result line
workflows = int(n) + 5
print(json.dumps({
    "sdk": "workflow-runtime" if sdk == "ours" else "rust-official",
    "workload": f"{'W1' if kind == 'one' else 'W2'} instructions", "workflows": workflows,
    "instructions": instr, "instructions_per_workflow": instr / workflows,
}))
PYEOF
  done
done

"$PY" - "$RESULTS" <<'PYEOF' >&2
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if "instructions_per_workflow" in r]
by = {}
for r in rows:
    by.setdefault(r["workload"], {})[r["sdk"]] = r
print("\n| workload | ours, M instructions per workflow | official | ours/official |")
print("|---|---|---|---|")
for workload in sorted(by):
    o, a = by[workload].get("workflow-runtime"), by[workload].get("rust-official")
    if not (o and a):
        continue
    print(f"| {workload} | {o['instructions_per_workflow'] / 1e6:.2f} | {a['instructions_per_workflow'] / 1e6:.2f} | "
          f"{o['instructions_per_workflow'] / a['instructions_per_workflow']:.2f}x |")
PYEOF
