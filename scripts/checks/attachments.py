#!/usr/bin/env python3
"""Attachments in Signal's and WhatsApp's formats, written from FACTS §7.4 / §3.1 with Python's
`cryptography` (OpenSSL underneath, but none of Crosswire's code): checks Crosswire's vectors and
encrypts and decrypts files so the tests can cross them with Crosswire's (SPEC §14).

Usage:
  attachments.py vectors [FILE]                  check Vectors/attachments.json (default)
  attachments.py encrypt FORMAT KEYHEX IN OUT    FORMAT = signal | whatsapp/TYPE; prints a JSON line
  attachments.py decrypt FORMAT KEYHEX DIGEST PLAINDIGEST|- SIZE|- IN OUT
                                                 exit 1 (and no OUT) when any check fails
`vectors` prints {"checked": {group: count}, "failures": [text]}; exit status 0 iff no failure.
"""
import hashlib
import hmac
import importlib
import json
import math
import os
import sys
import tempfile

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INFO = {
    "image": b"WhatsApp Image Keys", "video": b"WhatsApp Video Keys", "audio": b"WhatsApp Audio Keys",
    "document": b"WhatsApp Document Keys", "history": b"WhatsApp History Keys", "app-state": b"WhatsApp App State Keys",
    "sticker-pack": b"WhatsApp Sticker Pack Keys", "link-thumbnail": b"WhatsApp Link Thumbnail Keys",
}


class Refused(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def padded_size(n):
    """Signal's bucket: max(541, floor(1.05 ** ceil(log_1.05 n))), never below n."""
    if n <= 1:
        return 541
    return max(541, n, int(math.floor(math.pow(1.05, math.ceil(math.log(n) / math.log(1.05))))))


def expand(media_key, media_type):
    return HKDF(algorithm=hashes.SHA256(), length=112, salt=None, info=INFO[media_type]).derive(media_key)


def keys(fmt, key):
    """(cipher key, mac key, iv or None, mac length)."""
    if fmt == "signal":
        if len(key) != 64:
            raise Refused("invalidKey")
        return key[:32], key[32:], None, 32
    if len(key) != 32:
        raise Refused("invalidKey")
    e = expand(key, fmt.split("/", 1)[1])
    return e[16:48], e[48:80], e[:16], 10


def encrypt(fmt, key, plaintext, iv=None):
    ck, mk, derived_iv, mac_len = keys(fmt, key)
    if fmt == "signal":
        iv = iv if iv is not None else os.urandom(16)
        plaintext = plaintext + b"\0" * (padded_size(len(plaintext)) - len(plaintext))
    else:
        iv = derived_iv
    padder = padding.PKCS7(128).padder()
    body = padder.update(plaintext) + padder.finalize()
    enc = Cipher(algorithms.AES(ck), modes.CBC(iv)).encryptor()
    ct = enc.update(body) + enc.finalize()
    mac = hmac.new(mk, iv + ct, hashlib.sha256).digest()[:mac_len]
    return (iv + ct + mac) if fmt == "signal" else (ct + mac)


def decrypt(fmt, key, blob, digest, plain_digest=None, size=None):
    ck, mk, iv, mac_len = keys(fmt, key)
    head = 16 if fmt == "signal" else 0
    ct_len = len(blob) - head - mac_len
    if ct_len <= 0 or ct_len % 16:
        raise Refused("truncated")
    if not hmac.compare_digest(hashlib.sha256(blob).digest(), digest):
        raise Refused("digestMismatch")
    if fmt == "signal":
        iv = blob[:16]
    ct, mac = blob[head:head + ct_len], blob[head + ct_len:]
    if not hmac.compare_digest(hmac.new(mk, iv + ct, hashlib.sha256).digest()[:mac_len], mac):
        raise Refused("authenticationFailed")
    dec = Cipher(algorithms.AES(ck), modes.CBC(iv)).decryptor()
    body = dec.update(ct) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plaintext = unpadder.update(body) + unpadder.finalize()
    except ValueError:
        raise Refused("invalidPadding")
    if size is not None:
        if fmt == "signal":
            if len(plaintext) < size or any(plaintext[size:]):
                raise Refused("sizeMismatch")
            plaintext = plaintext[:size]
        elif len(plaintext) != size:
            raise Refused("sizeMismatch")
    if plain_digest is not None and not hmac.compare_digest(hashlib.sha256(plaintext).digest(), plain_digest):
        raise Refused("plaintextDigestMismatch")
    return plaintext


def pointer_module():
    """crossapp.proto compiled with grpcio-tools' protoc, for the AttachmentPointer cases."""
    from grpc_tools import protoc
    out = tempfile.mkdtemp(prefix="attachment-proto-")
    proto_dir = os.path.join(ROOT, "Sources", "Crosswire", "CrossApp")
    if protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={out}", "crossapp.proto"]) != 0:
        raise SystemExit("protoc failed on crossapp.proto")
    sys.path.insert(0, out)
    return importlib.import_module("crossapp_pb2")


def check_pointer(t, pb):
    raw = bytes.fromhex(t["pointer"])
    p = pb.AttachmentPointer()
    p.ParseFromString(raw)
    expected = {"format": t["format"], "key": bytes.fromhex(t["key"]), "digest": bytes.fromhex(t["digest"]), "size": t["size"],
                "content_type": t["contentType"], "blob_id": t["blobId"]}
    if "mediaType" in t:
        expected["media_type"] = t["mediaType"]
    if "plaintextDigest" in t:
        expected["plaintext_digest"] = bytes.fromhex(t["plaintextDigest"])
    if "fileName" in t:
        expected["file_name"] = t["fileName"]
    for name, value in expected.items():
        if getattr(p, name) != value:
            return f"field {name} decodes to {getattr(p, name)!r}"
    present = {f.name for f, _ in p.ListFields()}
    if present != set(expected):
        return f"fields present {sorted(present)}"
    if p.SerializeToString() != raw:
        return "protobuf re-encodes to other bytes"
    if (t["format"] == 1) != (len(p.key) == 64):
        return "key length does not match the format"
    return None


def check_vectors(path):
    failures, checked = [], {}
    pb = None
    with open(path) as f:
        data = json.load(f)
    for group in data["testGroups"]:
        kind = group["type"]
        for t in group["tests"]:
            checked[kind] = checked.get(kind, 0) + 1
            where = f"{kind} tcId {t['tcId']} ({t['comment']})"
            if kind == "AttachmentPointer":
                pb = pb or pointer_module()
                problem = check_pointer(t, pb)
                if problem:
                    failures.append(f"{where}: {problem}")
                continue
            if kind == "SignalAttachmentPadding":
                if padded_size(t["size"]) != t["paddedSize"]:
                    failures.append(f"{where}: padded size {padded_size(t['size'])}")
                continue
            if kind == "SignalAttachment":
                fmt, key, digest, pd = "signal", bytes.fromhex(t["key"]), bytes.fromhex(t["digest"]), None
            else:
                fmt, key = "whatsapp/" + t["mediaType"], bytes.fromhex(t["mediaKey"])
                digest, pd = bytes.fromhex(t["fileEncSha256"]), bytes.fromhex(t["fileSha256"])
            blob = bytes.fromhex(t["blob"])
            try:
                plaintext = decrypt(fmt, key, blob, digest, pd, t.get("size"))
                outcome = None
            except Refused as refusal:
                outcome = refusal.code
            if t["result"] == "invalid":
                if outcome != t["error"]:
                    failures.append(f"{where}: {outcome or 'accepted'}, vector says {t['error']}")
                continue
            if outcome is not None:
                failures.append(f"{where}: refused with {outcome}")
                continue
            if plaintext != bytes.fromhex(t["plaintext"]):
                failures.append(f"{where}: other plaintext")
            iv = bytes.fromhex(t["iv"]) if fmt == "signal" else None
            if encrypt(fmt, key, plaintext, iv) != blob:
                failures.append(f"{where}: encrypting here gives another blob")
            if fmt == "signal" and padded_size(len(plaintext)) != t["paddedSize"]:
                failures.append(f"{where}: padded size")
            if fmt != "signal" and expand(key, t["mediaType"]).hex() != t["expandedKey"]:
                failures.append(f"{where}: HKDF expansion")
    print(json.dumps({"checked": checked, "failures": failures}))
    return 1 if failures else 0


def main(argv):
    if len(argv) >= 1 and argv[0] == "vectors":
        return check_vectors(argv[1] if len(argv) > 1 else os.path.join(ROOT, "Vectors", "attachments.json"))
    if len(argv) == 5 and argv[0] == "encrypt":
        fmt, key = argv[1], bytes.fromhex(argv[2])
        with open(argv[3], "rb") as f:
            plaintext = f.read()
        blob = encrypt(fmt, key, plaintext)
        with open(argv[4], "wb") as f:
            f.write(blob)
        print(json.dumps({"digest": hashlib.sha256(blob).hexdigest(), "file_sha256": hashlib.sha256(plaintext).hexdigest(),
                          "size": len(plaintext)}))
        return 0
    if len(argv) == 8 and argv[0] == "decrypt":
        fmt, key, digest = argv[1], bytes.fromhex(argv[2]), bytes.fromhex(argv[3])
        pd = None if argv[4] == "-" else bytes.fromhex(argv[4])
        size = None if argv[5] == "-" else int(argv[5])
        with open(argv[6], "rb") as f:
            blob = f.read()
        try:
            plaintext = decrypt(fmt, key, blob, digest, pd, size)
        except Refused as refusal:
            print(json.dumps({"refused": refusal.code}))
            return 1
        with open(argv[7], "wb") as f:
            f.write(plaintext)
        print(json.dumps({"size": len(plaintext)}))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
