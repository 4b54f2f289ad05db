#!/usr/bin/env python3
"""Measures the determinism check on the corpus (`corpus.rs`): builds every section as its own
program and prints, for each, whether the check reported it at the marked line.

    python3 bench/determinism/run.py [--keep DIR]

`bad_*` sections must be reported at the line marked `// <-` (caught), and count as missed
otherwise; `good_*` sections must compile without a finding (a finding is a false positive);
`limit_*` sections are the documented blind spots. A section that fails to compile for
another reason is broken, and the run exits with status 1. The build uses the workspace's
`Cargo.lock` and runs offline; CARGO_TARGET_DIR is honoured (default
~/.cache/workflow-dsl/target, where CI builds).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MARKER = "// <-"

CARGO_TOML = """[package]
name = "determinism-corpus"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
workflow-runtime = {{ path = "{runtime}" }}
serde = {{ version = "1", features = ["derive"] }}
tokio = {{ version = "1", features = ["macros", "time", "rt"] }}
rand = "0.10"
chrono = {{ version = "0.4", default-features = false, features = ["now"] }}
uuid = {{ version = "1", features = ["v4", "v1", "v6", "v7"] }}
once_cell = "1"
lazy_static = "1"
parking_lot = "0.12"

[workspace]
"""


def sections(text):
    """The header and the (name, body) sections of the corpus, split at `// ==== name`."""
    parts = re.split(r"^// ==== (\S+)\n", text, flags=re.M)
    named = dict(zip(parts[1::2], parts[2::2]))
    header = named.pop("header")
    return header, list(named.items())


def finding(message):
    """Whether a compiler message is one of the check's findings."""
    text = message.get("message", "")
    return (
        "non-deterministic" in text
        or "in a random order" in text
        or "differs on replay" in text
    )


def main():
    keep = None
    if len(sys.argv) == 3 and sys.argv[1] == "--keep":
        keep = Path(sys.argv[2])
    header, cases = sections((HERE / "corpus.rs").read_text())
    crate = keep or Path(tempfile.mkdtemp(prefix="determinism-corpus-"))
    if crate.exists():
        shutil.rmtree(crate)
    (crate / "src" / "bin").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(
        CARGO_TOML.format(runtime=ROOT / "workflow-runtime")
    )
    shutil.copy(ROOT / "Cargo.lock", crate / "Cargo.lock")
    marked = {}
    for name, body in cases:
        source = header + body + "\nfn main() {}\n"
        (crate / "src" / "bin" / f"{name}.rs").write_text(source)
        lines = [i + 1 for i, line in enumerate(source.splitlines()) if MARKER in line]
        marked[name] = set(lines)

    env = dict(os.environ)
    env.setdefault(
        "CARGO_TARGET_DIR", str(Path.home() / ".cache" / "workflow-dsl" / "target")
    )
    build = subprocess.run(
        ["cargo", "build", "--offline", "--keep-going", "--bins", "--message-format=json"],
        cwd=crate,
        env=env,
        capture_output=True,
        text=True,
    )
    messages = [line for line in build.stdout.splitlines() if '"compiler-message"' in line]
    if build.returncode != 0 and not messages:
        sys.exit("the corpus did not build:\n" + build.stderr[-3000:])
    found = {name: set() for name, _ in cases}
    broken = {name: [] for name, _ in cases}
    for line in build.stdout.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if record.get("reason") != "compiler-message":
            continue
        name = record["target"]["name"]
        message = record["message"]
        if name not in found or message.get("level") not in ("error", "warning"):
            continue
        spans = [s for s in message.get("spans", []) if s.get("is_primary")]
        if finding(message):
            found[name].update(s["line_start"] for s in spans)
        elif message.get("level") == "error" and spans:
            broken[name].append(message["message"])

    rows = []
    tally = {}
    for name, _ in cases:
        kind = name.split("_", 1)[0]
        # (the count it goes in, the detail printed after it)
        if broken[name]:
            verdict, detail = "broken", ": " + broken[name][0]
        elif kind == "good":
            verdict, detail = ("false positive" if found[name] else "clean"), ""
        elif found[name] & marked[name]:
            verdict, detail = "caught", ""
        elif found[name]:
            verdict = "reported elsewhere"
            detail = f" (line {min(found[name])}, not the marked line)"
        else:
            verdict, detail = "missed", ""
        tally[(kind, verdict)] = tally.get((kind, verdict), 0) + 1
        rows.append((kind, name, verdict + detail))

    width = max(len(name) for _, name, _ in rows)
    for kind, name, verdict in rows:
        print(f"{name:<{width}}  {verdict}")
    print()
    for kind, label in (("bad", "non-deterministic"), ("good", "replay-safe"), ("limit", "documented limits")):
        counts = {v: n for (k, v), n in tally.items() if k == kind}
        total = sum(counts.values())
        summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
        print(f"{label}: {total} sections: {summary}")
    if keep is None:
        shutil.rmtree(crate, ignore_errors=True)
    if any(broken.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
