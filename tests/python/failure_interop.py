"""Failures across languages, with the official Python SDK.

Usage:
  failure_interop.py worker ADDRESS TASK_QUEUE
      Runs a Python worker whose activity `py_fail` raises an ApplicationError (type PyOuter,
      details, non-retryable) caused by another (type PyInner). Prints "ready" once polling,
      and stops when its standard input closes.
  failure_interop.py client ADDRESS TASK_QUEUE WORKFLOW_ID
      Runs the Rust workflow `FailsWithCause` by name and prints the failure it sees as one
      JSON line: type, message, details, non_retryable and the cause's type and message.
"""

import asyncio
import json
import os
import sys

from temporalio import activity
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker


@activity.defn(name="py_fail")
async def py_fail(label: str) -> str:
    try:
        raise ApplicationError("inner message", type="PyInner")
    except ApplicationError as inner:
        raise ApplicationError(
            "outer message", {"order": label}, type="PyOuter", non_retryable=True
        ) from inner


async def run_worker(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    async with Worker(client, task_queue=task_queue, activities=[py_fail]):
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def describe(error):
    if not isinstance(error, ApplicationError):
        return {"class": type(error).__name__, "message": str(error)}
    return {
        "type": error.type,
        "message": error.message,
        "details": list(error.details),
        "non_retryable": error.non_retryable,
        "cause": describe(error.cause) if error.cause is not None else None,
    }


async def run_client(address: str, task_queue: str, workflow_id: str) -> None:
    client = await Client.connect(address)
    try:
        await client.execute_workflow("FailsWithCause", id=workflow_id, task_queue=task_queue)
        print(json.dumps({"failure": None}), flush=True)
    except WorkflowFailureError as failure:
        print(json.dumps({"failure": describe(failure.cause)}), flush=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "worker":
        asyncio.run(run_worker(sys.argv[2], sys.argv[3]))
    else:
        asyncio.run(run_client(sys.argv[2], sys.argv[3], sys.argv[4]))
    sys.stdout.flush()
    # temporalio 1.35.0 on CPython 3.11 sometimes aborts while the interpreter finalizes
    # ("PyGILState_Release ... finalizing"), after all work is done; skip finalization.
    os._exit(0)
