#!/usr/bin/env python3
"""Checks Crosswire's session vectors (Vectors/session-v3.json) against a peer library playing Bob.

Usage: check_session_vectors.py [--impl libsignal|axolotl] Vectors/session-v3.json

Runs under .venv-peers/libsignal/bin/python (signal-protocol 0.2.3, Rust libsignal) or
.venv-peers/axolotl/bin/python (python-axolotl 0.2.3); without --impl, whichever is importable.
For each test, Bob is built in the library from his recorded keys (public keys derived by the library
must equal the recorded ones; the signed-prekey signature must verify). Then every message Alice sent
before Bob's first message is delivered to Bob in the recorded order and must decrypt to the recorded
plaintext. Later messages are not checkable: they depend on Bob's ratchet keys, which the library draws
at random. Prints one line per test and a summary; exit 0 iff every test passes.
"""
import argparse
import json
import sys
from vector_checks import Failure, check, pick_impl

ALICE_DEVICE = 1  # not recorded; any fixed device id works, the messages do not carry it


class LibsignalBob:
    """Bob as a signal-protocol 0.2.3 (Rust libsignal) device."""

    def __init__(self, t):
        from signal_protocol import address, curve, identity_key, state, storage

        def key_pair(private_hex, public_hex, what):
            private = curve.PrivateKey.deserialize(bytes.fromhex(private_hex))
            public = private.public_key().serialize()
            check(public.hex() == public_hex, "%s: public key derived from the private key differs" % what)
            return curve.KeyPair.from_public_and_private(public, private.serialize())

        identity = key_pair(t["bobIdentityPrivate"], t["bobIdentity"], "bobIdentity")
        signed = key_pair(t["bobSignedPreKeyPrivate"], t["bobSignedPreKey"], "bobSignedPreKey")
        signature = bytes.fromhex(t["bobSignedPreKeySignature"])
        check(identity.public_key().verify_signature(signed.public_key().serialize(), signature),
              "signed prekey signature does not verify")
        self.store = storage.InMemSignalProtocolStore(
            identity_key.IdentityKeyPair(identity_key.IdentityKey(identity.public_key().serialize()),
                                         identity.private_key()),
            t["bobRegistrationId"])
        self.store.save_signed_pre_key(
            t["bobSignedPreKeyId"], state.SignedPreKeyRecord(t["bobSignedPreKeyId"], 0, signed, signature))
        if "bobPreKeyId" in t:
            one_time = key_pair(t["bobPreKeyPrivate"], t["bobPreKey"], "bobPreKey")
            self.store.save_pre_key(t["bobPreKeyId"], state.PreKeyRecord(t["bobPreKeyId"], one_time))
        self.alice = address.ProtocolAddress("alice", ALICE_DEVICE)

    def decrypt(self, message_type, data):
        """Returns (plaintext, header fields of a PreKey message as the library parsed them, or None)."""
        from signal_protocol import protocol, session_cipher
        if message_type == 3:
            m = protocol.PreKeySignalMessage.try_from(data)
            header = header_fields(m.registration_id(), m.pre_key_id(), m.signed_pre_key_id(),
                                   m.base_key().serialize(), m.identity_key().serialize())
            return bytes(session_cipher.message_decrypt_prekey(self.store, self.alice, m)), header
        m = protocol.SignalMessage.try_from(data)
        return bytes(session_cipher.message_decrypt_signal(self.store, self.alice, m)), None


class AxolotlBob:
    """Bob as a python-axolotl 0.2.3 device (store from axolotl_adapter.py)."""

    def __init__(self, t):
        import logging
        from axolotl.ecc.curve import Curve
        from axolotl.ecc.djbec import DjbECPrivateKey, DjbECPublicKey
        from axolotl.ecc.eckeypair import ECKeyPair
        from axolotl.identitykey import IdentityKey
        from axolotl.identitykeypair import IdentityKeyPair
        from axolotl.sessioncipher import SessionCipher
        from axolotl.state.prekeyrecord import PreKeyRecord
        from axolotl.state.signedprekeyrecord import SignedPreKeyRecord
        from axolotl_adapter import Store
        logging.disable(logging.WARNING)  # it warns on every repeated PreKey message

        def key_pair(private_hex, public_hex, what):
            private = bytes.fromhex(private_hex)
            public = DjbECPublicKey(Curve.generatePublicKey(private))
            check(public.serialize().hex() == public_hex,
                  "%s: public key derived from the private key differs" % what)
            return ECKeyPair(public, DjbECPrivateKey(private))

        identity = key_pair(t["bobIdentityPrivate"], t["bobIdentity"], "bobIdentity")
        signed = key_pair(t["bobSignedPreKeyPrivate"], t["bobSignedPreKey"], "bobSignedPreKey")
        signature = bytes.fromhex(t["bobSignedPreKeySignature"])
        check(Curve.verifySignature(identity.getPublicKey(), signed.getPublicKey().serialize(), signature),
              "signed prekey signature does not verify")
        s = self.store = Store(t["bobRegistrationId"])
        s.identity = IdentityKeyPair(IdentityKey(identity.getPublicKey()), identity.getPrivateKey())
        s.signed[t["bobSignedPreKeyId"]] = SignedPreKeyRecord(
            t["bobSignedPreKeyId"], 0, signed, signature).serialize()
        if "bobPreKeyId" in t:
            one_time = key_pair(t["bobPreKeyPrivate"], t["bobPreKey"], "bobPreKey")
            s.prekeys[t["bobPreKeyId"]] = PreKeyRecord(t["bobPreKeyId"], one_time).serialize()
        self.cipher = SessionCipher(s, s, s, s, "alice", ALICE_DEVICE)

    def decrypt(self, message_type, data):
        """Returns (plaintext, header fields of a PreKey message as the library parsed them, or None)."""
        from axolotl.protocol import whisperprotos_pb2
        from axolotl.protocol.prekeywhispermessage import PreKeyWhisperMessage
        from axolotl.protocol.whispermessage import WhisperMessage
        if message_type == 3:
            m = PreKeyWhisperMessage(serialized=data)
            fields = whisperprotos_pb2.PreKeyWhisperMessage()
            fields.ParseFromString(data[1:])
            if not fields.HasField("preKeyId"):
                m.preKeyId = None  # absent, not the proto2 default 0 (see axolotl_adapter.py)
            header = header_fields(m.getRegistrationId(), m.getPreKeyId(), m.getSignedPreKeyId(),
                                   m.getBaseKey().serialize(), m.getIdentityKey().serialize())
            return bytes(self.cipher.decryptPkmsg(m)), header
        return bytes(self.cipher.decryptMsg(WhisperMessage(serialized=data))), None


IMPLS = {"libsignal": ("signal_protocol", LibsignalBob), "axolotl": ("axolotl.sessioncipher", AxolotlBob)}


def header_fields(registration_id, prekey_id, signed_prekey_id, base_key, identity_key):
    return {"registrationId": registration_id, "preKeyId": prekey_id, "signedPreKeyId": signed_prekey_id,
            "baseKey": bytes(base_key).hex(), "identityKey": bytes(identity_key).hex()}


def first_bob_index(t):
    """Index of Bob's first message (messages from there on are not checkable), or len(messages)."""
    return min([m["index"] for m in t["messages"] if m["sender"] == "bob"], default=len(t["messages"]))


def run_test(bob_class, t):
    """Returns the number of messages decrypted; raises on any mismatch."""
    check(t.get("result", "valid") == "valid", "result %r is not supported" % t.get("result"))
    messages, cutoff = {m["index"]: m for m in t["messages"]}, first_bob_index(t)
    # A PreKey message's outer fields are not covered by its MAC, and once Bob has the session the library
    # ignores most of them; so they are compared with the recorded values (the version byte directly:
    # python-axolotl ignores its low nibble).
    expected_header = header_fields(t["aliceRegistrationId"], t.get("bobPreKeyId"), t["bobSignedPreKeyId"],
                                    bytes.fromhex(t["aliceBaseKey"]), bytes.fromhex(t["aliceIdentity"]))
    bob = bob_class(t)
    decrypted = 0
    for delivery in t["deliveries"]:
        m = messages[delivery["message"]]
        if m["sender"] != "alice" or m["index"] >= cutoff:
            continue
        data = bytes.fromhex(m["ciphertext"])
        check(data[:1] == b"\x33", "message %d: version byte %s, not 33" % (m["index"], data[:1].hex()))
        try:
            plaintext, header = bob.decrypt(m["type"], data)
        except Exception as error:
            raise Failure("message %d: decrypt failed: %s: %s" % (m["index"], type(error).__name__, error))
        for field in sorted(header or {}):
            check(header[field] == expected_header[field], "message %d: PreKey %s %s != recorded %s"
                  % (m["index"], field, header[field], expected_header[field]))
        check(plaintext.hex() == m["plaintext"], "message %d: plaintext %s != recorded %s"
              % (m["index"], plaintext.hex(), m["plaintext"]))
        decrypted += 1
    check(decrypted > 0, "no checkable message")
    return decrypted


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", choices=sorted(IMPLS))
    parser.add_argument("vectors")
    args = parser.parse_args()
    impl = pick_impl(IMPLS, args.impl)
    bob_class = IMPLS[impl][1]
    with open(args.vectors) as f:
        tests = [t for group in json.load(f)["testGroups"] for t in group["tests"]]
    print("impl: %s" % impl)
    passed = failed = 0
    for t in tests:
        try:
            print("PASS tcId=%s: %d messages decrypted" % (t["tcId"], run_test(bob_class, t)))
            passed += 1
        except Exception as error:
            print("FAIL tcId=%s: %s" % (t["tcId"], error))
            failed += 1
        cutoff = first_bob_index(t)
        print("  tcId=%s: %d of %d messages not checkable (sent at or after Bob's first message)"
              % (t["tcId"], sum(1 for m in t["messages"] if m["index"] >= cutoff), len(t["messages"])))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
