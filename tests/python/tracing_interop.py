"""Tracing across languages, with the official Python SDK's OpenTelemetry interceptor.

Usage:
  tracing_interop.py ADDRESS RUST_QUEUE PYTHON_QUEUE WORKFLOW_ID
      Runs a Python worker on PYTHON_QUEUE whose activity `py_traced` upper-cases its input,
      then, with a client that has the SDK's TracingInterceptor, runs the Rust workflow
      `TracedOrder` on RUST_QUEUE with the arguments "order" and PYTHON_QUEUE (the workflow
      calls `py_traced` there).
      Prints the workflow's result and the spans this process recorded, as one JSON line:
      {"result": ..., "spans": [{"name", "trace_id", "span_id", "parent_id", "kind"}]}.
"""

import asyncio
import json
import os
import sys

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio import activity
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.worker import Worker


@activity.defn(name="py_traced")
async def py_traced(text: str) -> str:
    return text.upper()


def hex_id(value: int, width: int) -> str:
    return format(value, f"0{width}x")


async def run(address: str, rust_queue: str, python_queue: str, workflow_id: str) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    interceptor = TracingInterceptor(provider.get_tracer("tracing_interop"))
    client = await Client.connect(address, interceptors=[interceptor])
    async with Worker(client, task_queue=python_queue, activities=[py_traced]):
        result = await client.execute_workflow(
            "TracedOrder",
            args=["order", python_queue],
            id=workflow_id,
            task_queue=rust_queue,
        )
    spans = [
        {
            "name": span.name,
            "trace_id": hex_id(span.context.trace_id, 32),
            "span_id": hex_id(span.context.span_id, 16),
            "parent_id": hex_id(span.parent.span_id, 16) if span.parent else None,
            "kind": span.kind.name,
        }
        for span in exporter.get_finished_spans()
    ]
    print(json.dumps({"result": result, "spans": spans}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    asyncio.run(run(*sys.argv[1:]))
    sys.stdout.flush()
    # temporalio 1.35.0 on CPython 3.11 sometimes aborts while the interpreter finalizes
    # ("PyGILState_Release ... finalizing"), after all work is done; skip finalization.
    os._exit(0)
