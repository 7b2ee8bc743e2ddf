#!/usr/bin/env python3
"""Checks Vectors/envelope.json with implementations that are not Crosswire (SPEC §12).

Python's protobuf decodes every envelope, content, device list and group state from the checked-in
Sources/Crosswire/CrossApp/crossapp.proto (compiled here with grpcio-tools' protoc) and re-encodes it
to the same bytes; the addresses' binary form, the 0x80 padding and the user-level safety number are
recomputed here from SPEC; every XEdDSA signature of a device list and a group state is verified with Python
cryptography's Ed25519 after the Montgomery-to-Edwards conversion of XEdDSA.

Usage: crossapp_vectors.py [VECTOR-FILE] (default Vectors/envelope.json).
Prints one JSON object: {"checked": {group: count}, "failures": [text]}; exit status 0 iff no failure.
"""
import hashlib
import importlib
import json
import os
import sys
import tempfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from grpc_tools import protoc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_DIR = os.path.join(ROOT, "Sources", "Crosswire", "CrossApp")
P = 2**255 - 19


def compile_proto():
    out = tempfile.mkdtemp(prefix="crossapp-proto-")
    status = protoc.main(["protoc", f"-I{PROTO_DIR}", f"--python_out={out}", "crossapp.proto"])
    if status != 0:
        raise SystemExit(f"protoc failed on crossapp.proto ({status})")
    sys.path.insert(0, out)
    return importlib.import_module("crossapp_pb2")


pb = compile_proto()
failures = []
checked = {}


def fail(tc, text):
    failures.append(f"tcId {tc}: {text}")


def address(raw, with_device):
    """SPEC 12.1 binary form -> text form."""
    if not raw or raw[0] != 1:
        raise ValueError("address version")
    i = 1
    app_len = raw[i]; i += 1
    app = raw[i:i + app_len].decode("ascii"); i += app_len
    user_len = raw[i]; i += 1
    user = raw[i:i + user_len].decode("ascii"); i += user_len
    text = f"{app}:{user}"
    if with_device:
        text += f"/{raw[i]}"; i += 1
    if i != len(raw) or not app or not user:
        raise ValueError("address length")
    return text


def pad(content):
    total = ((len(content) + 2 + 159) // 160) * 160 - 1
    return content + b"\x80" + b"\x00" * (total - len(content) - 1)


def unpad(padded):
    stripped = padded.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        return None
    content = stripped[:-1]
    return content if pad(content) == padded else None


def xeddsa_verify(identity_key, message, signature):
    """libsignal's XEdDSA verification: the Edwards key of u with the sign bit the signature carries."""
    if len(identity_key) != 33 or identity_key[0] != 5 or len(signature) != 64:
        return False
    u = int.from_bytes(identity_key[1:], "little") & ((1 << 255) - 1)
    if u >= P or (u + 1) % P == 0:
        return False
    y = (u - 1) * pow(u + 1, P - 2, P) % P
    edwards = bytearray(y.to_bytes(32, "little"))
    edwards[31] |= signature[63] & 0x80
    sig = bytearray(signature)
    sig[63] &= 0x7F
    try:
        Ed25519PublicKey.from_public_bytes(bytes(edwards)).verify(bytes(sig), message)
        return True
    except (InvalidSignature, ValueError):
        return False


LIST_LABEL = b"crosswire/device-list/v1\x00"
ACCOUNT_LABEL = b"crosswire/adv/account/v1\x00"
DEVICE_LABEL = b"crosswire/adv/device/v1\x00"


def decode_signed_list(raw):
    """-> (SignedDeviceList, DeviceList, primary DeviceIdentity, [(attestation, DeviceIdentity)])."""
    if raw[0] != 1:
        raise ValueError("signed list version")
    signed = pb.SignedDeviceList.FromString(raw[1:])
    if signed.SerializeToString() != raw[1:]:
        raise ValueError("SignedDeviceList does not re-encode to its bytes")
    dl = pb.DeviceList.FromString(signed.list)
    if dl.SerializeToString() != signed.list:
        raise ValueError("DeviceList does not re-encode to its bytes")
    primary = pb.DeviceIdentity.FromString(dl.primary)
    companions = [(a, pb.DeviceIdentity.FromString(a.details)) for a in dl.companions]
    return signed, dl, primary, companions


def signatures_ok(raw):
    """Whether the list and every attestation verify; with the reason when not."""
    signed, dl, primary, companions = decode_signed_list(raw)
    if not signed.HasField("signature"):
        return False, "unsigned"
    if not xeddsa_verify(primary.identity_key, LIST_LABEL + signed.list, signed.signature):
        return False, "list signature"
    for attestation, identity in companions:
        if not attestation.HasField("account_signature") or not attestation.HasField("device_signature"):
            return False, "attestation lacks a signature"
        if not xeddsa_verify(primary.identity_key, ACCOUNT_LABEL + attestation.details, attestation.account_signature):
            return False, "account signature"
        if not xeddsa_verify(identity.identity_key, DEVICE_LABEL + attestation.details + primary.identity_key, attestation.device_signature):
            return False, "device signature"
    return True, ""


def check_envelope(t):
    raw = bytes.fromhex(t["encoded"])
    if t["result"] != "valid":
        return
    if raw[0] != 1:
        return fail(t["tcId"], "version byte")
    e = pb.Envelope.FromString(raw[1:])
    if e.SerializeToString() != raw[1:]:
        fail(t["tcId"], "protobuf re-encodes the envelope to other bytes")
    if e.kind != t["kind"]:
        fail(t["tcId"], f"kind {e.kind}")
    if address(e.recipient, True) != t["recipient"]:
        fail(t["tcId"], "recipient")
    if e.HasField("sender") != ("sender" in t) or (e.HasField("sender") and address(e.sender, True) != t["sender"]):
        fail(t["tcId"], "sender")
    if e.kind in (pb.SEALED_SENDER_V1, pb.SEALED_SENDER_V2) and e.HasField("sender"):
        fail(t["tcId"], "a sealed envelope with a sender")
    if e.message_id.hex() != t["messageId"] or len(e.message_id) != 16:
        fail(t["tcId"], "message id")
    if e.HasField("server_timestamp") != ("serverTimestamp" in t) or (e.HasField("server_timestamp") and e.server_timestamp != t["serverTimestamp"]):
        fail(t["tcId"], "server timestamp")
    if e.ciphertext.hex() != t["ciphertext"]:
        fail(t["tcId"], "ciphertext")


def check_content(t):
    if t["result"] != "valid":
        if "padded" in t and unpad(bytes.fromhex(t["padded"])) is not None:
            fail(t["tcId"], "an invalid padding unpads here")
        return
    raw = bytes.fromhex(t["encoded"])
    c = pb.Content.FromString(raw)
    if c.SerializeToString() != raw:
        fail(t["tcId"], "protobuf re-encodes the content to other bytes")
    if c.type != t["type"] or c.sender_timestamp != t["senderTimestamp"] or c.body.hex() != t["body"]:
        fail(t["tcId"], "type, timestamp or body")
    if c.HasField("group_id") != ("groupId" in t) or (c.HasField("group_id") and c.group_id.hex() != t["groupId"]):
        fail(t["tcId"], "group id")
    if c.HasField("sender_key_distribution") != ("senderKeyDistribution" in t) or (
            c.HasField("sender_key_distribution") and c.sender_key_distribution.hex() != t["senderKeyDistribution"]):
        fail(t["tcId"], "sender-key distribution")
    if c.HasField("sync_destination") != ("syncDestination" in t) or (
            c.HasField("sync_destination") and address(c.sync_destination, False) != t["syncDestination"]):
        fail(t["tcId"], "sync destination")
    if c.HasField("profile_key") != ("profileKey" in t) or (c.HasField("profile_key") and c.profile_key.hex() != t["profileKey"]):
        fail(t["tcId"], "profile key")
    if c.HasField("profile_key") and len(c.profile_key) != 32:
        fail(t["tcId"], "a profile key is 32 bytes")
    if pad(raw).hex() != t["padded"]:
        fail(t["tcId"], "padding")


def check_padding(t):
    padded = bytes.fromhex(t["padded"])
    if t["result"] == "valid":
        content = bytes.fromhex(t["content"])
        if pad(content) != padded or unpad(padded) != content:
            fail(t["tcId"], "pad/unpad")
    elif unpad(padded) is not None:
        fail(t["tcId"], "an invalid padding unpads here")


def check_device_list(t):
    raw = bytes.fromhex(t["list"])
    if t["result"] != "valid":
        if t["error"] in ("unsigned", "invalidSignature", "invalidAttestation"):
            ok, _ = signatures_ok(raw)
            if ok:
                fail(t["tcId"], f"expected {t['error']}, but every signature verifies here")
        return
    ok, why = signatures_ok(raw)
    if not ok:
        return fail(t["tcId"], f"signature check failed here: {why}")
    _, dl, primary, companions = decode_signed_list(raw)
    if dl.version != t["version"] or address(dl.user, False) != t["user"] or primary.identity_key.hex() != t["primaryIdentity"]:
        fail(t["tcId"], "version, user or primary")
    devices = sorted([primary] + [identity for _, identity in companions], key=lambda d: d.device_id)
    got = [{"deviceId": d.device_id, "registrationId": d.registration_id, "identityKey": d.identity_key.hex(), "addedAt": d.added_at}
           for d in devices]
    if got != t["devices"]:
        fail(t["tcId"], "devices")
    for d in devices:
        if address(d.user, False) != t["user"]:
            fail(t["tcId"], "a device of another user")


def user_key_bytes(raw):
    _, _, primary, companions = decode_signed_list(raw)
    devices = sorted([primary] + [identity for _, identity in companions], key=lambda d: d.device_id)
    return b"".join(bytes([d.device_id]) + d.identity_key for d in devices)


def fingerprint_hash(iterations, stable_id, keys):
    digest = b"\x00\x00" + keys + stable_id
    for _ in range(iterations):
        digest = hashlib.sha512(digest + keys).digest()
    return digest


def digits(h):
    return "".join(f"{int.from_bytes(h[i * 5:i * 5 + 5], 'big') % 100000:05d}" for i in range(6))


def check_safety_number(t):
    local = fingerprint_hash(t["iterations"], t["localUser"].encode(), user_key_bytes(bytes.fromhex(t["local"])))
    remote = fingerprint_hash(t["iterations"], t["remoteUser"].encode(), user_key_bytes(bytes.fromhex(t["remote"])))
    a, b = digits(local), digits(remote)
    if (a + b if a < b else b + a) != t["displayable"]:
        fail(t["tcId"], "displayable digits")

    def logical(content):
        return b"\x0a\x20" + content
    scannable = b"\x08\x02" + b"\x12\x22" + logical(local[:32]) + b"\x1a\x22" + logical(remote[:32])
    if scannable.hex() != t["scannable"]:
        fail(t["tcId"], "scannable bytes")


GROUP_LABEL = b"crosswire/group-state/v1\x00"


def check_group_state(t):
    raw = bytes.fromhex(t["signed"])
    signed = pb.SignedGroupState.FromString(raw)
    if signed.SerializeToString() != raw:
        return fail(t["tcId"], "SignedGroupState does not re-encode to its bytes")
    state = pb.GroupState.FromString(signed.state)
    key = bytes.fromhex(t["signerIdentity"])
    signature_ok = xeddsa_verify(key, GROUP_LABEL + signed.state, signed.signature)
    if t["result"] == "valid":
        if not signature_ok:
            fail(t["tcId"], "the group state signature does not verify here")
        if state.SerializeToString() != signed.state:
            fail(t["tcId"], "GroupState does not re-encode to its bytes")
        if [address(m, False) for m in state.members] != t["members"] or [address(a, False) for a in state.admins] != t["admins"]:
            fail(t["tcId"], "members or admins")
        if state.version != t["version"] or state.name.decode() != t["name"] or len(state.group_id) != 32:
            fail(t["tcId"], "version, name or group id")
        if not set(t["admins"]) <= set(t["members"]):
            fail(t["tcId"], "an admin who is not a member")
    elif t["error"] == "invalidSignature" and signature_ok:
        fail(t["tcId"], "expected invalidSignature, but the signature verifies here")
    elif t["error"] == "invalidState" and len(state.admins) > 0:
        fail(t["tcId"], "expected a state without admins")


CHECKERS = {"CrossAppEnvelope": check_envelope, "CrossAppContent": check_content, "ContentPadding": check_padding,
            "DeviceList": check_device_list, "UserSafetyNumber": check_safety_number, "GroupState": check_group_state}

with open(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Vectors", "envelope.json")) as f:
    vectors = json.load(f)
for group in vectors["testGroups"]:
    checker = CHECKERS[group["type"]]
    for test in group["tests"]:
        try:
            checker(test)
        except Exception as error:  # a decoding failure of a valid case is a failure, not a crash
            fail(test["tcId"], f"{type(error).__name__}: {error}")
        checked[group["type"]] = checked.get(group["type"], 0) + 1
print(json.dumps({"checked": checked, "failures": failures}))
sys.exit(1 if failures else 0)
