"""A Python twin of the Rust `TimerWorkflow`, so a history the Python SDK wrote can be replayed
on the Rust code.

Usage:
  timer_history.py worker ADDRESS TASK_QUEUE
      Runs a Python worker with the workflow `TimerWorkflow(interval_ms, count)`, which sleeps
      `count` times for `interval_ms` and returns [count, elapsed_ms], as the Rust one does.
      Prints "ready" once polling, and stops when its standard input closes.
"""

import asyncio
import sys
from datetime import timedelta

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker


@workflow.defn(name="TimerWorkflow")
class TimerWorkflow:
    @workflow.run
    async def run(self, interval_ms: int, count: int) -> list:
        start = workflow.now()
        for _ in range(count):
            await workflow.sleep(timedelta(milliseconds=interval_ms))
        elapsed = workflow.now() - start
        return [count, int(elapsed.total_seconds() * 1000)]


async def worker(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[TimerWorkflow],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    if sys.argv[1] != "worker":
        sys.exit(f"unknown mode {sys.argv[1]}")
    asyncio.run(worker(sys.argv[2], sys.argv[3]))
