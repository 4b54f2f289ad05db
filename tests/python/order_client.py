"""Starts the Rust OrderWorkflow by name with the official Python SDK's client.

Usage: order_client.py ADDRESS TASK_QUEUE

Prints one JSON line per order: {"result": ...} for the completed order and
{"error": {"type": ..., "message": ...}} for the declined one.
"""

import asyncio
import json
import os
import sys

from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError


def order(order_id: str, quantity: int) -> dict:
    return {
        "order_id": order_id,
        "customer_id": "alice",
        "items": [{"sku": "WIDGET", "quantity": quantity, "unit_price_cents": 1000}],
    }


def root_application_error(error: BaseException):
    found = None
    while error is not None:
        if isinstance(error, ApplicationError):
            found = error
        error = error.__cause__
    return found


async def main(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    result = await client.execute_workflow(
        "OrderWorkflow", order(f"{task_queue}-py-ok", 3), id=f"{task_queue}-py-ok", task_queue=task_queue
    )
    print(json.dumps({"result": result}), flush=True)
    try:
        await client.execute_workflow(
            "OrderWorkflow",
            order(f"{task_queue}-py-declined", 30),
            id=f"{task_queue}-py-declined",
            task_queue=task_queue,
        )
        print(json.dumps({"error": None}), flush=True)
    except WorkflowFailureError as failure:
        app = root_application_error(failure.cause)
        print(
            json.dumps({"error": {"type": app.type if app else None, "message": app.message if app else str(failure)}}),
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
    sys.stdout.flush()
    # temporalio 1.35.0 on CPython 3.11 sometimes aborts while the interpreter finalizes
    # ("PyGILState_Release ... finalizing"), after all work is done; skip finalization.
    os._exit(0)
