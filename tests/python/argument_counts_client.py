"""Calls Rust workflows with more arguments than they declare, with the official Python SDK's
client: a workflow input and an update.

Usage: argument_counts_client.py ADDRESS TASK_QUEUE

Prints one JSON line per call: the error type and message that reached Python.
"""

import asyncio
import json
import os
import sys

from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def describe(error: BaseException) -> dict:
    cause = error.cause if isinstance(error.cause, ApplicationError) else None
    if cause is None:
        return {"type": None, "message": str(error)}
    return {"type": cause.type, "message": cause.message}


async def main(address: str, task_queue: str) -> None:
    client = await Client.connect(address)

    try:
        await client.execute_workflow(
            "TimerWorkflow",
            args=[1, 1, 99],
            id=f"{task_queue}-extra-input",
            task_queue=task_queue,
        )
        emit(workflow=None)
    except WorkflowFailureError as failure:
        emit(workflow=describe(failure))

    handle = await client.start_workflow(
        "Counter", 1000, id=f"{task_queue}-extra-update", task_queue=task_queue
    )
    try:
        await handle.execute_update("set", args=[1, 2])
        emit(update=None)
    except WorkflowUpdateFailedError as failure:
        emit(update=describe(failure))
    await handle.signal("finish")
    emit(result=await handle.result())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
    sys.stdout.flush()
    # temporalio 1.35.0 on CPython 3.11 sometimes aborts while the interpreter finalizes
    # ("PyGILState_Release ... finalizing"), after all work is done; skip finalization.
    os._exit(0)
