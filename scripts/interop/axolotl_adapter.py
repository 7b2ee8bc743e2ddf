#!/usr/bin/env python3
"""Interop adapter: the JSON-lines contract of driver.py on python-axolotl 0.2.3.

python-axolotl 0.2.3 is the Python port of libsignal-protocol-java (X3DH, v3 messages).
Run with .venv-peers/axolotl/bin/python (created by scripts/peers-venv.sh).

Quirks handled here:
* A PreKeyWhisperMessage without field 1 (no one-time prekey) is parsed by python-axolotl as preKeyId 0
  (proto2 default), and the session builder would then look up prekey 0. We reset it to None, which is how
  its own builder (and Java's Optional) mean "no one-time prekey". Outgoing: a bundle without a one-time
  prekey is passed as preKeyId=None / preKey=None, so field 1 is omitted.
* python-axolotl 0.2.3 has no fingerprint module: numeric_fingerprint.py implements libsignal's
  NumericFingerprintGenerator (FACTS §1.13).

Sender keys (legacy layout; axolotl.groups): states keyed by SenderKeyName(group id as lowercase hex,
AxolotlAddress(sender, sender_device)); a party sends as (its name, its device_id). Records are kept serialized,
so a failed group_decrypt leaves the store as it was. Library quirks, left as they are (none is hit by the
driver's expectations):
* GroupSessionBuilder.process appends a state to the record without a cap and without replacing one with the
  same key id; GroupCipher looks states up by key id, first match, so re-processing an SKDM is a no-op for
  decryption (the oldest state with that id keeps being used). libsignal 0.2.3 / Java instead put the new state
  in front (rewind: replays accepted again); current libsignal keeps the existing state.
* The forward-jump check computes (chainIteration - iteration) > 2000, which never fires for a message from
  the future: any jump is accepted and every skipped key stored (no 2000-key cap either).
"""
import logging

from jsonl_server import Refused, fresh_id, group_name, legacy_format, serve, unhex
from numeric_fingerprint import fingerprint
from axolotl.axolotladdress import AxolotlAddress
from axolotl.ecc.curve import Curve
from axolotl.groups.groupcipher import GroupCipher
from axolotl.groups.groupsessionbuilder import GroupSessionBuilder
from axolotl.groups.senderkeyname import SenderKeyName
from axolotl.groups.state.senderkeyrecord import SenderKeyRecord
from axolotl.protocol.senderkeydistributionmessage import SenderKeyDistributionMessage
from axolotl.identitykey import IdentityKey
from axolotl.invalidkeyidexception import InvalidKeyIdException
from axolotl.protocol import whisperprotos_pb2
from axolotl.protocol.prekeywhispermessage import PreKeyWhisperMessage
from axolotl.protocol.whispermessage import WhisperMessage
from axolotl.sessionbuilder import SessionBuilder
from axolotl.sessioncipher import SessionCipher
from axolotl.state.prekeybundle import PreKeyBundle
from axolotl.state.prekeyrecord import PreKeyRecord
from axolotl.state.sessionrecord import SessionRecord
from axolotl.state.signedprekeyrecord import SignedPreKeyRecord
from axolotl.untrustedidentityexception import UntrustedIdentityException
from axolotl.util.keyhelper import KeyHelper

BACKEND = "python-axolotl 0.2.3 (port of libsignal-protocol-java)"
logging.disable(logging.WARNING)  # it warns on every repeated PreKey message


class Store:
    """Identity, session, prekey and signed-prekey store of one party; records kept serialized, so a
    record loaded, changed and not stored back (a failed decrypt) leaves the store untouched."""

    def __init__(self, registration_id):
        self.identity = KeyHelper.generateIdentityKeyPair()
        self.registration_id = registration_id
        self.trusted, self.sessions, self.prekeys, self.signed = {}, {}, {}, {}
        self.sender_keys = {}

    # IdentityKeyStore: trust on first use, per recipient name (as the Java library does)
    def getIdentityKeyPair(self):
        return self.identity

    def getLocalRegistrationId(self):
        return self.registration_id

    def saveIdentity(self, recipient, identity):
        self.trusted[recipient] = identity.serialize()

    def isTrustedIdentity(self, recipient, identity):
        return self.trusted.get(recipient, identity.serialize()) == identity.serialize()

    # SessionStore
    def loadSession(self, recipient, device):
        data = self.sessions.get((recipient, device))
        return SessionRecord(serialized=data) if data else SessionRecord()

    def storeSession(self, recipient, device, record):
        self.sessions[(recipient, device)] = record.serialize()

    def containsSession(self, recipient, device):
        return (recipient, device) in self.sessions

    # PreKeyStore / SignedPreKeyStore
    def loadPreKey(self, prekey_id):
        if prekey_id not in self.prekeys:
            raise InvalidKeyIdException("no prekey %s" % prekey_id)
        return PreKeyRecord(serialized=self.prekeys[prekey_id])

    def removePreKey(self, prekey_id):
        self.prekeys.pop(prekey_id, None)

    def loadSignedPreKey(self, signed_id):
        if signed_id not in self.signed:
            raise InvalidKeyIdException("no signed prekey %s" % signed_id)
        return SignedPreKeyRecord(serialized=self.signed[signed_id])

    # SenderKeyStore
    @staticmethod
    def _sender_key_id(name):
        return (name.getGroupId(), name.getSender().getName(), name.getSender().getDeviceId())

    def loadSenderKey(self, name):
        data = self.sender_keys.get(self._sender_key_id(name))
        return SenderKeyRecord(serialized=data) if data else SenderKeyRecord()

    def storeSenderKey(self, name, record):
        self.sender_keys[self._sender_key_id(name)] = record.serialize()


class Party:
    def __init__(self, device_id, registration_id):
        self.device_id = device_id
        self.store = Store(registration_id)
        self.signed_ids, self.prekey_ids = set(), set()

    def cipher(self, req):
        s = self.store
        return SessionCipher(s, s, s, s, req["peer"], req["peer_device"])


parties = {}


def party_of(req):
    try:
        return parties[req["party"]]
    except KeyError:
        raise Refused("unknown party %r" % req.get("party"))


def public_key(hex_value):
    return Curve.decodePoint(bytearray(unhex(hex_value)), 0)


def untrusted(error):
    return Refused("untrusted identity for %s" % error.getName())


def op_info(req):
    return {"backend": BACKEND, "sender_key_format": "legacy"}


def op_create_party(req):
    party = parties[req["party"]] = Party(req["device_id"], req["registration_id"])
    return {"identity_key": party.store.identity.getPublicKey().serialize().hex()}


def op_prekey_bundle(req):
    party = party_of(req)
    identity = party.store.identity
    signed_id = fresh_id(party.signed_ids)
    signed = KeyHelper.generateSignedPreKey(identity, signed_id)
    party.store.signed[signed_id] = signed.serialize()
    bundle = {
        "registration_id": party.store.registration_id,
        "device_id": party.device_id,
        "identity_key": identity.getPublicKey().serialize().hex(),
        "signed_prekey_id": signed_id,
        "signed_prekey": signed.getKeyPair().getPublicKey().serialize().hex(),
        "signed_prekey_signature": bytes(signed.getSignature()).hex(),
    }
    if req.get("with_one_time"):
        prekey_id = fresh_id(party.prekey_ids)
        record = PreKeyRecord(prekey_id, Curve.generateKeyPair())
        party.store.prekeys[prekey_id] = record.serialize()
        bundle["prekey_id"] = prekey_id
        bundle["prekey"] = record.getKeyPair().getPublicKey().serialize().hex()
    return {"bundle": bundle}


def op_process_bundle(req):
    s, b = party_of(req).store, req["bundle"]
    if ("prekey_id" in b) != ("prekey" in b):
        raise Refused("bundle has only one of prekey_id / prekey")
    bundle = PreKeyBundle(
        b["registration_id"], b["device_id"], b.get("prekey_id"),
        public_key(b["prekey"]) if "prekey" in b else None,
        b["signed_prekey_id"], public_key(b["signed_prekey"]), unhex(b["signed_prekey_signature"]),
        IdentityKey(public_key(b["identity_key"])))
    try:
        SessionBuilder(s, s, s, s, req["peer"], req["peer_device"]).processPreKeyBundle(bundle)
    except UntrustedIdentityException as error:
        raise untrusted(error)
    return {}


def op_encrypt(req):
    message = party_of(req).cipher(req).encrypt(unhex(req["plaintext"]))
    return {"message_type": message.getType(), "ciphertext": bytes(message.serialize()).hex()}


def op_decrypt(req):
    cipher, data = party_of(req).cipher(req), unhex(req["ciphertext"])
    try:
        if req["message_type"] == 3:
            message = PreKeyWhisperMessage(serialized=data)
            fields = whisperprotos_pb2.PreKeyWhisperMessage()
            fields.ParseFromString(data[1:])
            if not fields.HasField("preKeyId"):
                message.preKeyId = None  # absent, not 0
            plaintext = cipher.decryptPkmsg(message)
        elif req["message_type"] == 2:
            plaintext = cipher.decryptMsg(WhisperMessage(serialized=data))
        else:
            raise Refused("unsupported message_type %r" % req["message_type"])
    except UntrustedIdentityException as error:
        raise untrusted(error)
    return {"plaintext": bytes(plaintext).hex()}


def op_fingerprint(req):
    s = party_of(req).store
    remote = s.trusted.get(req["peer"])
    if remote is None:
        raise Refused("no known identity for %s" % req["peer"])
    displayable, scannable = fingerprint(
        req["iterations"], req["party"].encode(), s.identity.getPublicKey().serialize(),
        req["peer"].encode(), remote)
    return {"displayable": displayable, "scannable": scannable.hex()}


def sender_key_name(req, sender=None, device=None):
    """SenderKeyName of `sender`.`device` in the request's group (default: the party itself)."""
    if sender is None:
        sender, device = req["party"], party_of(req).device_id
    return SenderKeyName(group_name(req), AxolotlAddress(sender, device))


def op_group_create(req):
    legacy_format(req)
    store = party_of(req).store
    message = GroupSessionBuilder(store).create(sender_key_name(req))
    return {"distribution": bytes(message.serialize()).hex()}


def op_group_process(req):
    store = party_of(req).store
    message = SenderKeyDistributionMessage(serialized=unhex(req["distribution"]))
    GroupSessionBuilder(store).process(sender_key_name(req, req["sender"], req["sender_device"]), message)
    return {}


def op_group_encrypt(req):
    cipher = GroupCipher(party_of(req).store, sender_key_name(req))
    return {"ciphertext": bytes(cipher.encrypt(unhex(req["plaintext"]))).hex()}


def op_group_decrypt(req):
    name = sender_key_name(req, req["sender"], req["sender_device"])
    plaintext = GroupCipher(party_of(req).store, name).decrypt(unhex(req["ciphertext"]))
    return {"plaintext": bytes(plaintext).hex()}


if __name__ == "__main__":
    serve({name[3:]: fn for name, fn in globals().items() if name.startswith("op_")})
