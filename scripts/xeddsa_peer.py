#!/usr/bin/env python3
"""XEdDSA peer for the Crosswire cross-check.

Runs under either peer venv (see scripts/peers-venv.sh):
  libsignal  signal_protocol 0.2.3 (Rust libsignal): libsignal XEdDSA variant
  xeddsa     python-xeddsa (libxeddsa): signs per the XEdDSA spec (sign bit 0),
             verifies libsignal-variant signatures (sign bit from sig[63])

stdin:  {"verify": [{"public": hex32 u, "message": hex, "signature": hex64}, ...],
         "sign":   [{"private": hex32, "message": hex, "nonce": optional hex64 (xeddsa only)}, ...]}
stdout: {"impl": "...", "verify": [bool, ...], "sign": [{"public": hex32 u, "signature": hex64}, ...]}

A verify item that raises counts as false; a sign item that raises yields {"error": "..."}.
"""
import argparse
import json
import sys


def clamp(k):
    k = bytearray(k)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    return bytes(k)


def u_coordinate(public):
    """Accepts a 32-byte u or the 33-byte libsignal form 0x05 || u."""
    if len(public) == 33 and public[0] == 0x05:
        return public[1:]
    if len(public) != 32:
        raise ValueError("public key must be 32 bytes")
    return public


class Libsignal:
    def __init__(self):
        from signal_protocol import curve
        self.curve = curve
        try:
            from importlib.metadata import version
            self.name = "libsignal-" + version("signal-protocol")
        except Exception:
            self.name = "libsignal-0.2.3"

    def verify(self, public, message, signature):
        key = self.curve.PublicKey.deserialize(b"\x05" + u_coordinate(public))
        return bool(key.verify_signature(message, signature))

    def sign(self, private, message, nonce=None):
        if nonce is not None:
            raise ValueError("signal_protocol takes no caller-supplied nonce")
        key = self.curve.PrivateKey.deserialize(private)
        public = key.public_key().serialize()  # 0x05 || u
        return public[1:], key.calculate_signature(message)


class Libxeddsa:
    def __init__(self):
        import xeddsa
        self.x = xeddsa
        try:
            from _libxeddsa import lib
            v = (lib.XEDDSA_VERSION_MAJOR, lib.XEDDSA_VERSION_MINOR, lib.XEDDSA_VERSION_REVISION)
            self.name = "libxeddsa-%d.%d.%d" % v
        except Exception:
            self.name = "libxeddsa-py" + xeddsa.__version__

    def verify(self, public, message, signature):
        if len(signature) != 64:
            return False
        sign_bit = bool(signature[63] >> 7)
        ed_pub = self.x.curve25519_pub_to_ed25519_pub(u_coordinate(public), sign_bit)
        sig = signature[:63] + bytes([signature[63] & 0x7F])
        # libsodium's verify also rejects s >= q, which covers the "top 3 bits of s" check.
        return bool(self.x.ed25519_verify(sig, ed_pub, message))

    def sign(self, private, message, nonce=None):
        k = clamp(private)  # libxeddsa uses the scalar as given; X25519 keys are clamped
        a = self.x.priv_force_sign(k, False)  # spec XEdDSA: Ed25519 sign bit 0
        return self.x.priv_to_curve25519_pub(k), self.x.ed25519_priv_sign(a, message, nonce)


IMPLS = {"libsignal": Libsignal, "xeddsa": Libxeddsa}


def load(name):
    if name:
        return IMPLS[name]()
    for cls in IMPLS.values():
        try:
            return cls()
        except ImportError:
            pass
    sys.exit("xeddsa_peer: neither signal_protocol nor xeddsa is importable")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", choices=sorted(IMPLS))
    impl = load(ap.parse_args().impl)
    request = json.load(sys.stdin)

    verified = []
    for item in request.get("verify") or []:
        try:
            ok = impl.verify(bytes.fromhex(item["public"]), bytes.fromhex(item["message"]),
                             bytes.fromhex(item["signature"]))
        except Exception:
            ok = False
        verified.append(ok)

    signed = []
    for item in request.get("sign") or []:
        try:
            nonce = bytes.fromhex(item["nonce"]) if item.get("nonce") else None
            public, sig = impl.sign(bytes.fromhex(item["private"]), bytes.fromhex(item["message"]), nonce)
            signed.append({"public": public.hex(), "signature": sig.hex()})
        except Exception as e:
            signed.append({"error": "%s: %s" % (type(e).__name__, e)})

    json.dump({"impl": impl.name, "verify": verified, "sign": signed}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
