#!/usr/bin/env python3
"""Opens sealed sender v2 received forms with Python's `cryptography` (not Crosswire), from libsignal's
key schedule as SPEC §13.4 states it: stdin {"cases": [{received, recipient_private, recipient_public,
sender_public, content}]} (hex); stdout {"opened": n, "failures": [...]}."""
import json
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import serialization

RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def hkdf(ikm, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(ikm)


def open_received(case):
    received = bytes.fromhex(case["received"])
    assert received[0] == 0x22, "version"
    c, at, e, ciphertext = received[1:33], received[33:49], received[49:81], received[81:]
    priv = X25519PrivateKey.from_private_bytes(bytes.fromhex(case["recipient_private"]))
    r33, s33 = bytes.fromhex(case["recipient_public"]), bytes.fromhex(case["sender_public"])
    e33 = b"\x05" + e
    mask = hkdf(priv.exchange(X25519PublicKey.from_public_bytes(e)) + e33 + r33, b"Sealed Sender v2: DH", 32)
    m = bytes(x ^ y for x, y in zip(c, mask))
    r = hkdf(m, b"Sealed Sender v2: r (2023-08)", 32)
    k = hkdf(m, b"Sealed Sender v2: K", 32)
    if X25519PrivateKey.from_private_bytes(r).public_key().public_bytes(*RAW) != e:
        return "the ephemeral key is not the one M derives"
    content = AESGCMSIV(k).decrypt(b"\x00" * 12, ciphertext, None)
    if content.hex() != case["content"]:
        return "the content differs"
    expected = hkdf(priv.exchange(X25519PublicKey.from_public_bytes(s33[1:])) + e33 + c + s33 + r33, b"Sealed Sender v2: DH-sender", 16)
    if expected != at:
        return "the authentication tag differs"
    return None


request = json.load(sys.stdin)
failures, opened = [], 0
for index, case in enumerate(request["cases"]):
    try:
        problem = open_received(case)
    except Exception as error:
        problem = "%s: %s" % (type(error).__name__, error)
    if problem:
        failures.append("case %d: %s" % (index, problem))
    else:
        opened += 1
print(json.dumps({"opened": opened, "failures": failures}))
sys.exit(1 if failures else 0)
