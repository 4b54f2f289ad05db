"""Exchanges bytes and protobuf messages between the official Python SDK and Rust workflows,
in both directions: a Python worker hosts the activities the Rust workflows call, and a Python
client starts the workflows and reads their results.

Usage: payloads.py ADDRESS TASK_QUEUE

The Rust workflows run on TASK_QUEUE; the Python activities on TASK_QUEUE-py. Prints one JSON
line per workflow: the Python type of its result and the result's content.
"""

import asyncio
import json
import os
import sys

from google.protobuf.timestamp_pb2 import Timestamp
from temporalio import activity
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


@activity.defn(name="py_reverse_bytes")
async def py_reverse_bytes(data: bytes) -> bytes:
    # The Rust Vec<u8> must arrive as bytes (binary/plain), not as a list of numbers.
    if not isinstance(data, bytes):
        raise ApplicationError(
            f"expected bytes, got {type(data).__name__}", non_retryable=True
        )
    return bytes(reversed(data))


@activity.defn(name="py_stamp")
async def py_stamp(execution: WorkflowExecution) -> Timestamp:
    # The Rust ProtoBinary<WorkflowExecution> must arrive as the message (binary/protobuf).
    if not isinstance(execution, WorkflowExecution):
        raise ApplicationError(
            f"expected a WorkflowExecution, got {type(execution).__name__}",
            non_retryable=True,
        )
    return Timestamp(seconds=1_700_000_000 + len(execution.workflow_id), nanos=0)


async def main(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    python_queue = f"{task_queue}-py"
    async with Worker(
        client, task_queue=python_queue, activities=[py_reverse_bytes, py_stamp]
    ):
        result = await client.execute_workflow(
            "BytesWorkflow",
            args=[b"\x00\x01abc\xff", python_queue],
            id=f"{task_queue}-bytes",
            task_queue=task_queue,
        )
        emit(bytes={"type": type(result).__name__, "hex": bytes(result).hex()})

        workflow_id = f"{task_queue}-proto"
        result = await client.execute_workflow(
            "ProtoWorkflow",
            args=[WorkflowExecution(workflow_id=workflow_id, run_id="from-python"), python_queue],
            id=workflow_id,
            task_queue=task_queue,
        )
        emit(
            proto={
                "type": type(result).__name__,
                "workflow_id": getattr(result, "workflow_id", None),
                "run_id": getattr(result, "run_id", None),
            }
        )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
    sys.stdout.flush()
    # temporalio 1.35.0 on CPython 3.11 sometimes aborts while the interpreter finalizes
    # ("PyGILState_Release ... finalizing"), after all work is done; skip finalization.
    os._exit(0)
