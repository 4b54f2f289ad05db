"""A Python twin of release 2 of `examples/src/versioned_workflow.rs`: the new payment
processor behind the patch `new-processor`, so patch markers cross between the SDKs.

Usage:
  patch_interop.py worker ADDRESS TASK_QUEUE
      Runs a Python worker with the workflow `VersionedWorkflow(cents)` and the activities
      `legacy_processor` and `new_processor`. Prints "ready" once polling, and stops when its
      standard input closes.
  patch_interop.py replay HISTORY_JSON WORKFLOW_ID
      Replays the history in the JSON file on the Python workflow; prints "replayed" and exits
      0, or prints the error and exits 1.
"""

import asyncio
import os
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker


@activity.defn(name="legacy_processor")
async def legacy_processor(cents: int) -> str:
    return f"legacy:{cents}"


@activity.defn(name="new_processor")
async def new_processor(cents: int) -> str:
    return f"new:{cents}"


@workflow.defn(name="VersionedWorkflow")
class VersionedWorkflow:
    def __init__(self) -> None:
        self.finished = False

    @workflow.run
    async def run(self, cents: int) -> str:
        timeout = timedelta(seconds=10)
        if workflow.patched("new-processor"):
            receipt = await workflow.execute_activity(
                "new_processor", cents, start_to_close_timeout=timeout
            )
        else:
            receipt = await workflow.execute_activity(
                "legacy_processor", cents, start_to_close_timeout=timeout
            )
        await workflow.wait_condition(lambda: self.finished)
        return receipt

    @workflow.signal
    def finish(self) -> None:
        self.finished = True


async def worker(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[VersionedWorkflow],
        activities=[legacy_processor, new_processor],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def replay(path: str, workflow_id: str) -> None:
    with open(path) as file:
        history = WorkflowHistory.from_json(workflow_id, file.read())
    replayer = Replayer(workflows=[VersionedWorkflow], workflow_runner=UnsandboxedWorkflowRunner())
    try:
        await replayer.replay_workflow(history)
    except Exception as error:  # the test prints what went wrong
        print(f"replay failed: {error!r}", flush=True)
        sys.exit(1)
    print("replayed", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        asyncio.run(worker(sys.argv[2], sys.argv[3]))
    elif sys.argv[1] == "replay":
        asyncio.run(replay(sys.argv[2], sys.argv[3]))
        sys.stdout.flush()
        # As in order_client.py: skip the finalization that temporalio 1.35.0 sometimes
        # aborts in, once the replay's outcome is printed.
        os._exit(0)
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
