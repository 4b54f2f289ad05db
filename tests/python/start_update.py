"""Sends an update to a running Rust Counter workflow with the official Python SDK's client,
with an explicit update id, and returns once the workflow accepted it, without waiting for
its outcome (another client picks that up by the id).

Usage: start_update.py ADDRESS WORKFLOW_ID UPDATE_ID

Prints one JSON line: the update id.
"""

import asyncio
import json
import os
import sys

from temporalio.client import Client, WorkflowUpdateStage


async def main(address: str, workflow_id: str, update_id: str) -> None:
    client = await Client.connect(address)
    handle = client.get_workflow_handle(workflow_id)
    update = await handle.start_update(
        "add_when_open", 9, id=update_id, wait_for_stage=WorkflowUpdateStage.ACCEPTED
    )
    print(json.dumps({"update_id": update.id}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
    sys.stdout.flush()
    # temporalio 1.35.0 on CPython 3.11 sometimes aborts while the interpreter finalizes
    # ("PyGILState_Release ... finalizing"), after all work is done; skip finalization.
    os._exit(0)
