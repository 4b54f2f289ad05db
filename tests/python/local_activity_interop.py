"""A Python twin of the Rust `LocalSteps` workflow (`tests/local_activities.rs`), so local
activity markers the Python SDK wrote can be replayed on the Rust code.

Usage:
  local_activity_interop.py worker ADDRESS TASK_QUEUE
      Runs a Python worker with the workflow `LocalSteps(n)` and the activities `double`,
      `slow_double` and `third_time`. Prints "ready" once polling, and stops when its standard
      input closes.
"""

import asyncio
import logging
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker


@activity.defn(name="double")
async def double(n: int) -> int:
    return n * 2


@activity.defn(name="slow_double")
async def slow_double(n: int, millis: int) -> int:
    await asyncio.sleep(millis / 1000)
    return n * 2


@activity.defn(name="third_time")
async def third_time(n: int) -> str:
    attempt = activity.info().attempt
    if attempt < 3:
        raise ApplicationError(f"attempt {attempt} fails", type="NotYet")
    return f"{n} on attempt {attempt}"


@workflow.defn(name="LocalSteps")
class LocalSteps:
    @workflow.run
    async def run(self, n: int) -> str:
        timeout = timedelta(seconds=30)
        a = await workflow.execute_local_activity(
            "double", n, start_to_close_timeout=timeout
        )
        b = await workflow.execute_activity(
            "slow_double", args=[a, 0], start_to_close_timeout=timeout
        )
        return await workflow.execute_local_activity(
            "third_time",
            b,
            start_to_close_timeout=timeout,
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1),
                backoff_coefficient=1.0,
                maximum_attempts=5,
            ),
            local_retry_threshold=timedelta(milliseconds=500),
        )


async def worker(address: str, task_queue: str) -> None:
    # The failing attempts are on purpose: keep their tracebacks out of the test's output.
    logging.getLogger("temporalio.activity").setLevel(logging.CRITICAL)
    logging.getLogger("temporalio.worker._activity").setLevel(logging.CRITICAL)
    client = await Client.connect(address)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[LocalSteps],
        activities=[double, slow_double, third_time],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    if sys.argv[1] != "worker":
        sys.exit(f"unknown mode {sys.argv[1]}")
    asyncio.run(worker(sys.argv[2], sys.argv[3]))
