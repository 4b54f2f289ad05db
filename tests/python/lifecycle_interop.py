"""Calls by name across languages, with the official Python SDK.

Usage:
  lifecycle_interop.py worker ADDRESS TASK_QUEUE
      Runs a Python worker with the activity `compose_greeting(greeting, name)` and the
      workflow `PyGreeter(name)`, which waits for its `set_punctuation` signal, calls
      `compose_greeting` and returns {"greeting": ..., "parent": <the parent's workflow id>}.
      Prints "ready" once polling, and stops when its standard input closes.
"""

import asyncio
import os
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker


@activity.defn(name="compose_greeting")
async def compose_greeting(greeting: str, name: str) -> str:
    return f"{greeting}, {name}"


@workflow.defn(name="PyGreeter")
class PyGreeter:
    def __init__(self) -> None:
        self.punctuation = None

    @workflow.run
    async def run(self, name: str) -> dict:
        await workflow.wait_condition(lambda: self.punctuation is not None)
        greeting = await workflow.execute_activity(
            compose_greeting,
            args=["Hi", name],
            start_to_close_timeout=timedelta(seconds=10),
        )
        parent = workflow.info().parent
        return {
            "greeting": greeting + self.punctuation,
            "parent": parent.workflow_id if parent else None,
        }

    @workflow.signal
    def set_punctuation(self, punctuation: str) -> None:
        self.punctuation = punctuation


async def run_worker(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    async with Worker(
        client,
        task_queue=task_queue,
        activities=[compose_greeting],
        workflows=[PyGreeter],
        # The workflow is defined in this script (`__main__`), which the sandbox cannot
        # re-import; it is deterministic without it.
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(run_worker(sys.argv[2], sys.argv[3]))
    sys.stdout.flush()
    # temporalio 1.35.0 on CPython 3.11 sometimes aborts while the interpreter finalizes
    # ("PyGILState_Release ... finalizing"), after all work is done; skip finalization.
    os._exit(0)
