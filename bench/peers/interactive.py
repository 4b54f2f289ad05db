"""The `interactive` workload with the official Python SDK (worker and client in one process),
for comparison with `workflow-bench interactive`: N signals (C in flight) into one workflow,
then Q sequential queries against its N-entry state.

Usage: python interactive.py ADDRESS [N] [C] [Q] [--sandboxed]
Prints one JSON line with the same keys as `workflow-bench interactive`.
"""

import asyncio
import json
import os
import resource
import sys
import time
import uuid

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker


@workflow.defn(name="BenchMailbox")
class BenchMailbox:
    def __init__(self) -> None:
        self.entries: list[str] = []
        self.closed = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.closed)
        return len(self.entries)

    @workflow.signal
    def push(self, entry: str) -> None:
        self.entries.append(entry)

    @workflow.signal
    def close(self) -> None:
        self.closed = True

    @workflow.query
    def summary(self) -> dict:
        return {"count": len(self.entries), "last": self.entries[-1] if self.entries else None}

    @workflow.query
    def entries_(self) -> list[str]:
        return list(self.entries)


def percentile(sorted_ms: list[float], p: float) -> float:
    rank = max(1, min(len(sorted_ms), int(-(-p / 100.0 * len(sorted_ms) // 1))))
    return sorted_ms[rank - 1]


async def timed(rounds: int, call) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        await call()
        out.append((time.perf_counter() - start) * 1000.0)
    return sorted(out)


async def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sandboxed = "--sandboxed" in sys.argv
    address = args[0]
    n = int(args[1]) if len(args) > 1 else 1000
    concurrency = int(args[2]) if len(args) > 2 else 50
    queries = int(args[3]) if len(args) > 3 else 500
    client = await Client.connect(address)
    queue = f"bench-py-{uuid.uuid4()}"
    runner = {} if sandboxed else {"workflow_runner": UnsandboxedWorkflowRunner()}
    async with Worker(client, task_queue=queue, workflows=[BenchMailbox], **runner):
        handle = await client.start_workflow(
            BenchMailbox.run, id=f"bench-mailbox-py-{uuid.uuid4()}", task_queue=queue
        )
        await handle.query(BenchMailbox.summary)
        gate = asyncio.Semaphore(concurrency)

        async def send(i: int) -> None:
            async with gate:
                await handle.signal(BenchMailbox.push, f"entry-{i:05}")

        start = time.perf_counter()
        await asyncio.gather(*(send(i) for i in range(n)))
        accepted_s = time.perf_counter() - start
        while (await handle.query(BenchMailbox.summary))["count"] < n:
            await asyncio.sleep(0.005)
        processed_s = time.perf_counter() - start
        small = await timed(queries, lambda: handle.query(BenchMailbox.summary))
        full = await timed(queries, lambda: handle.query(BenchMailbox.entries_))
        await handle.signal(BenchMailbox.close)
        count = await handle.result()
    print(
        json.dumps(
            {
                "sdk": "python-sandboxed" if sandboxed else "python-unsandboxed",
                "workload": "interactive",
                "signals": n,
                "signal_concurrency": concurrency,
                "signals_per_s_accepted": n / accepted_s,
                "signals_per_s_processed": n / processed_s,
                "state_entries": count,
                "queries": queries,
                "query_small_p50_ms": percentile(small, 50),
                "query_small_p99_ms": percentile(small, 99),
                "query_full_state_p50_ms": percentile(full, 50),
                "query_full_state_p99_ms": percentile(full, 99),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    # temporalio 1.35.0 can abort while the interpreter finalizes, after the work is done.
    os._exit(0)
