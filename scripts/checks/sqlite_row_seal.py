#!/usr/bin/env python3
"""An independent implementation of the SQLite store's row sealing (SPEC §10.2), with PyPI
`cryptography`: open a sealed row, or seal one. One JSON object on stdin, one on stdout.

  {"op": "open"|"seal", "storage_key": hex, "salt": hex, "table": str, "name": str, "device": int,
   "sealed": hex (open) | "plaintext": hex (seal)}
"""
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 1


def row_key(storage_key: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=b"Crosswire SQLite store v1 row key").derive(storage_key)


def associated_data(table: str, name: str, device: int) -> bytes:
    encoded = name.encode()
    return (bytes([VERSION]) + b"crosswire/sqlite/v1\x00" + table.encode() + b"\x00"
            + struct.pack(">I", len(encoded)) + encoded + struct.pack(">I", device))


def main() -> None:
    request = json.load(sys.stdin)
    key = row_key(bytes.fromhex(request["storage_key"]), bytes.fromhex(request["salt"]))
    aad = associated_data(request["table"], request["name"], request["device"])
    if request["op"] == "open":
        sealed = bytes.fromhex(request["sealed"])
        assert sealed[0] == VERSION, f"format {sealed[0]}"
        plaintext = AESGCM(key).decrypt(sealed[1:13], sealed[13:], aad)
        print(json.dumps({"plaintext": plaintext.hex()}))
    else:
        nonce = os.urandom(12)
        sealed = bytes([VERSION]) + nonce + AESGCM(key).encrypt(nonce, bytes.fromhex(request["plaintext"]), aad)
        print(json.dumps({"sealed": sealed.hex()}))


if __name__ == "__main__":
    main()
