"""Drives the Rust OrderWorkflow's signal, query and update handlers by name with the official
Python SDK's client.

Usage: interactive_client.py ADDRESS TASK_QUEUE

Prints one JSON line per step: the status query, the accepted address update, the rejected
one (its error type and message), and the result after the cancel_order signal.
"""

import asyncio
import json
import os
import sys

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


async def main(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    workflow_id = f"{task_queue}-py-interactive"
    handle = await client.start_workflow(
        "OrderWorkflow",
        {
            "order_id": workflow_id,
            "customer_id": "erin",
            "items": [{"sku": "WIDGET", "quantity": 1, "unit_price_cents": 500}],
            "shipping_address": {"street": "1 Old Road", "city": "Lyon"},
            "hold_seconds": 600,
        },
        id=workflow_id,
        task_queue=task_queue,
    )
    # Generous for a loaded machine; a paid order returns at once.
    deadline = asyncio.get_running_loop().time() + 60
    status = await handle.query("get_status")
    while status != "Paid" and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
        status = await handle.query("get_status")
    emit(status=status)

    previous = await handle.execute_update(
        "update_shipping_address", {"street": "5 New Street", "city": "Paris"}
    )
    emit(previous=previous)

    try:
        await handle.execute_update("update_shipping_address", {"street": "", "city": ""})
        emit(rejected=None)
    except WorkflowUpdateFailedError as failure:
        cause = failure.cause
        emit(
            rejected={
                "type": cause.type if isinstance(cause, ApplicationError) else None,
                "message": cause.message if isinstance(cause, ApplicationError) else str(cause),
            }
        )

    await handle.signal("cancel_order", "changed my mind")
    result = await handle.result()
    emit(result=result)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
    sys.stdout.flush()
    # temporalio 1.35.0 on CPython 3.11 sometimes aborts while the interpreter finalizes
    # ("PyGILState_Release ... finalizing"), after all work is done; skip finalization.
    os._exit(0)
