#!/usr/bin/env python3
"""Interop adapter: the JSON-lines contract of driver.py on signal-protocol 0.2.3.

signal-protocol 0.2.3 = PyO3 bindings to Signal's Rust libsignal at commit 609a1de (Dec 2020, X3DH, v3).
Run with .venv-peers/libsignal/bin/python (created by scripts/peers-venv.sh).
One InMemSignalProtocolStore per party; its identity store is trust-on-first-use per (name, device).

Sender keys (legacy layout, FACTS §1.11/§1.16): states are keyed by SenderKeyName(group id as lowercase hex,
ProtocolAddress(sender, sender_device)); a party sends as (its name, its device_id).
Quirk of this libsignal version (same as libsignal-protocol-java): processing an SKDM always puts a fresh state
at the front of the record (max 5), even when a state with the same key id exists, so re-processing an old SKDM
rewinds the chain and messages already decrypted decrypt again (current libsignal keeps the existing state).
"""
import time

from jsonl_server import Refused, fresh_id, group_name, legacy_format, serve, unhex
from signal_protocol import (address, curve, fingerprint, group_cipher, identity_key, protocol, sealed_sender, sender_keys,
                             session, session_cipher, state, storage)

BACKEND = "signal-protocol 0.2.3 (libsignal Rust @609a1de, PyPI wheel)"


class Party:
    def __init__(self, device_id, registration_id):
        self.device_id = device_id
        self.registration_id = registration_id
        self.identity = identity_key.IdentityKeyPair.generate()
        self.store = storage.InMemSignalProtocolStore(self.identity, registration_id)
        self.signed_ids, self.prekey_ids = set(), set()


parties = {}


def party_of(req):
    try:
        return parties[req["party"]]
    except KeyError:
        raise Refused("unknown party %r" % req.get("party"))


def peer_address(req):
    return address.ProtocolAddress(req["peer"], req["peer_device"])


def op_info(req):
    return {"backend": BACKEND, "sender_key_format": "legacy", "sealed_sender": "v1"}


def op_create_party(req):
    party = parties[req["party"]] = Party(req["device_id"], req["registration_id"])
    return {"identity_key": party.identity.identity_key().serialize().hex()}


def op_prekey_bundle(req):
    party = party_of(req)
    signed = curve.KeyPair.generate()
    signed_public = signed.public_key().serialize()
    signature = party.identity.private_key().calculate_signature(signed_public)
    signed_id = fresh_id(party.signed_ids)
    record = state.SignedPreKeyRecord(signed_id, int(time.time() * 1000), signed, signature)
    party.store.save_signed_pre_key(signed_id, record)
    bundle = {
        "registration_id": party.registration_id,
        "device_id": party.device_id,
        "identity_key": party.identity.identity_key().serialize().hex(),
        "signed_prekey_id": signed_id,
        "signed_prekey": signed_public.hex(),
        "signed_prekey_signature": bytes(signature).hex(),
    }
    if req.get("with_one_time"):
        one_time = curve.KeyPair.generate()
        prekey_id = fresh_id(party.prekey_ids)
        party.store.save_pre_key(prekey_id, state.PreKeyRecord(prekey_id, one_time))
        bundle["prekey_id"] = prekey_id
        bundle["prekey"] = one_time.public_key().serialize().hex()
    return {"bundle": bundle}


def op_process_bundle(req):
    party, b = party_of(req), req["bundle"]
    if ("prekey_id" in b) != ("prekey" in b):
        raise Refused("bundle has only one of prekey_id / prekey")
    prekey = curve.PublicKey.deserialize(unhex(b["prekey"])) if "prekey" in b else None
    bundle = state.PreKeyBundle(
        b["registration_id"], b["device_id"], b.get("prekey_id"), prekey,
        b["signed_prekey_id"], curve.PublicKey.deserialize(unhex(b["signed_prekey"])),
        unhex(b["signed_prekey_signature"]), identity_key.IdentityKey(unhex(b["identity_key"])))
    session.process_prekey_bundle(peer_address(req), party.store, bundle)
    return {}


def op_encrypt(req):
    message = session_cipher.message_encrypt(party_of(req).store, peer_address(req), unhex(req["plaintext"]))
    return {"message_type": message.message_type(), "ciphertext": bytes(message.serialize()).hex()}


def op_decrypt(req):
    store, peer, data = party_of(req).store, peer_address(req), unhex(req["ciphertext"])
    if req["message_type"] == 3:
        plaintext = session_cipher.message_decrypt_prekey(store, peer, protocol.PreKeySignalMessage.try_from(data))
    elif req["message_type"] == 2:
        plaintext = session_cipher.message_decrypt_signal(store, peer, protocol.SignalMessage.try_from(data))
    else:
        raise Refused("unsupported message_type %r" % req["message_type"])
    return {"plaintext": bytes(plaintext).hex()}


def op_fingerprint(req):
    party = party_of(req)
    remote = party.store.get_identity(peer_address(req))
    if remote is None:
        raise Refused("no known identity for %s.%s" % (req["peer"], req["peer_device"]))
    fp = fingerprint.Fingerprint(2, req["iterations"], req["party"].encode(), party.identity.identity_key(),
                                 req["peer"].encode(), remote)
    return {"displayable": fp.display_string(), "scannable": bytes(fp.serialize()).hex()}


def sender_key_name(req, sender=None, device=None):
    """SenderKeyName of `sender`.`device` in the request's group (default: the party itself)."""
    if sender is None:
        sender, device = req["party"], party_of(req).device_id
    return sender_keys.SenderKeyName(group_name(req), address.ProtocolAddress(sender, device))


def op_group_create(req):
    legacy_format(req)
    store = party_of(req).store
    message = group_cipher.create_sender_key_distribution_message(sender_key_name(req), store)
    return {"distribution": bytes(message.serialized()).hex()}


def op_group_process(req):
    store = party_of(req).store
    message = protocol.SenderKeyDistributionMessage.try_from(unhex(req["distribution"]))
    group_cipher.process_sender_key_distribution_message(
        sender_key_name(req, req["sender"], req["sender_device"]), message, store)
    return {}


def op_group_encrypt(req):
    store = party_of(req).store
    ciphertext = group_cipher.group_encrypt(store, sender_key_name(req), unhex(req["plaintext"]))
    return {"ciphertext": bytes(ciphertext).hex()}


def op_group_decrypt(req):
    store = party_of(req).store
    plaintext = group_cipher.group_decrypt(
        unhex(req["ciphertext"]), store, sender_key_name(req, req["sender"], req["sender_device"]))
    return {"plaintext": bytes(plaintext).hex()}


# Sealed sender v1 (SPEC §7): certificate authorities by name, held in this process.
authorities = {}


def op_ca_create(req):
    root, server = curve.KeyPair.generate(), curve.KeyPair.generate()
    certificate = sealed_sender.ServerCertificate(req["server_key_id"], server.public_key(), root.private_key())
    authorities[req["ca"]] = (root, server, certificate)
    return {"trust_root": bytes(root.public_key().serialize()).hex(), "server_certificate": bytes(certificate.serialized()).hex()}


def op_ca_sender_certificate(req):
    try:
        root, server, certificate = authorities[req["ca"]]
    except KeyError:
        raise Refused("unknown ca %r" % req.get("ca"))
    key = curve.PublicKey.deserialize(unhex(req["identity_key"]))
    sender = sealed_sender.SenderCertificate(req["sender_uuid"], req.get("sender_e164"), key, req["sender_device"],
                                             req["expires_ms"], certificate, server.private_key())
    return {"sender_certificate": bytes(sender.serialized()).hex()}


def op_sealed_encrypt(req):
    certificate = sealed_sender.SenderCertificate.deserialize(unhex(req["sender_certificate"]))
    ciphertext = sealed_sender.sealed_sender_encrypt(peer_address(req), certificate, unhex(req["plaintext"]), party_of(req).store)
    return {"ciphertext": bytes(ciphertext).hex()}


def op_sealed_decrypt(req):
    party = party_of(req)
    result = sealed_sender.sealed_sender_decrypt(
        unhex(req["ciphertext"]), curve.PublicKey.deserialize(unhex(req["trust_root"])), req["timestamp_ms"],
        req.get("local_e164"), req["local_uuid"], party.device_id, party.store)
    return {"sender_uuid": result.sender_uuid(), "sender_e164": result.sender_e164(), "sender_device": result.device_id(),
            "plaintext": bytes(result.message()).hex()}


if __name__ == "__main__":
    serve({name[3:]: fn for name, fn in globals().items() if name.startswith("op_")})
