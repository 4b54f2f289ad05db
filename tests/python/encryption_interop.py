"""Encrypted payloads across languages: the AES-GCM codec of Temporal's encryption sample.

Usage:
  encryption_interop.py ADDRESS KEY_ID KEY_HEX QUEUE READ_ID RUN_ID
      With a client whose data converter has the codec (key KEY_ID, 32 bytes given in hex),
      reads the result of the workflow READ_ID, which a Rust client started, then starts the
      Rust workflow `CardCharge` as RUN_ID on QUEUE with a card of its own, signals `note`, and
      waits for its result. Prints one JSON line: {"read": ..., "ran": ...}.
"""

import asyncio
import dataclasses
import json
import os
import sys
from typing import Iterable, List

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.converter import DataConverter, PayloadCodec


class EncryptionCodec(PayloadCodec):
    """Temporal's Python encryption sample, unchanged but for the key's source."""

    def __init__(self, key_id: str, key: bytes) -> None:
        super().__init__()
        self.key_id = key_id
        self.encryptor = AESGCM(key)

    async def encode(self, payloads: Iterable[Payload]) -> List[Payload]:
        return [
            Payload(
                metadata={
                    "encoding": b"binary/encrypted",
                    "encryption-key-id": self.key_id.encode(),
                },
                data=self.encrypt(p.SerializeToString()),
            )
            for p in payloads
        ]

    async def decode(self, payloads: Iterable[Payload]) -> List[Payload]:
        ret: List[Payload] = []
        for p in payloads:
            if p.metadata.get("encoding", b"").decode() != "binary/encrypted":
                ret.append(p)
                continue
            key_id = p.metadata.get("encryption-key-id", b"").decode()
            if key_id != self.key_id:
                raise ValueError(f"Unrecognized key ID {key_id}. Current key ID is {self.key_id}.")
            ret.append(Payload.FromString(self.decrypt(p.data)))
        return ret

    def encrypt(self, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self.encryptor.encrypt(nonce, data, None)

    def decrypt(self, data: bytes) -> bytes:
        return self.encryptor.decrypt(data[:12], data[12:], None)


async def run(address: str, key_id: str, key_hex: str, queue: str, read_id: str, run_id: str) -> None:
    converter = dataclasses.replace(
        DataConverter.default, payload_codec=EncryptionCodec(key_id, bytes.fromhex(key_hex))
    )
    client = await Client.connect(address, data_converter=converter)
    read = await client.get_workflow_handle(read_id).result()
    handle = await client.start_workflow(
        "CardCharge", args=["5500-0000-0000-0004", False], id=run_id, task_queue=queue
    )
    await handle.signal("note", "from python")
    ran = await handle.result()
    print(json.dumps({"read": read, "ran": ran}))


if __name__ == "__main__":
    asyncio.run(run(*sys.argv[1:7]))
    sys.stdout.flush()
    # Skips interpreter finalization, where the SDK's native runtime threads have been seen to
    # abort the process ("PyGILState_Release: thread state ... must be current") after the work
    # was done and printed.
    os._exit(0)
