"""libsignal's NumericFingerprintGenerator (FACTS §1.13), used by the axolotl adapter (python-axolotl 0.2.3
has none) and by driver.py to check every implementation's answer. Checked against signal-protocol 0.2.3."""
import hashlib


def logical_fingerprint(iterations, stable_id, identity_key):
    """The iterated SHA-512 of one party: h = 00 00 || key || id, then iterations x h = SHA-512(h || key)."""
    if not 1 < iterations <= 1000000:
        raise ValueError("iterations must be in 2..1000000")
    digest = b"\x00\x00" + identity_key + stable_id
    for _ in range(iterations):
        digest = hashlib.sha512(digest + identity_key).digest()
    return digest


def digits(digest):
    """30 digits: six 5-byte big-endian chunks of the first 30 bytes, each mod 100000."""
    return "".join("%05d" % (int.from_bytes(digest[i:i + 5], "big") % 100000) for i in range(0, 30, 5))


def fingerprint(iterations, local_id, local_key, remote_id, remote_key):
    """(displayable, scannable) with the local side first; scannable = serialized
    CombinedFingerprints{1 version=2, 2 local{1 content}, 3 remote{1 content}}, content = 32 bytes."""
    local = logical_fingerprint(iterations, local_id, local_key)
    remote = logical_fingerprint(iterations, remote_id, remote_key)
    displayable = "".join(sorted([digits(local), digits(remote)]))

    def logical(tag, digest):
        return bytes([tag, 34, 0x0A, 32]) + digest[:32]

    return displayable, bytes([0x08, 2]) + logical(0x12, local) + logical(0x1A, remote)
