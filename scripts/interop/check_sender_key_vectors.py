#!/usr/bin/env python3
"""Checks Crosswire's sender-key vectors (Vectors/sender-keys.json) against a peer library as the receiver.

Usage: check_sender_key_vectors.py [--impl libsignal|axolotl] Vectors/sender-keys.json

Runs under .venv-peers/libsignal/bin/python (signal-protocol 0.2.3, Rust libsignal) or
.venv-peers/axolotl/bin/python (python-axolotl 0.2.3); without --impl, whichever is importable.
For each test with layout "legacy", the library's own parser reads the recorded SenderKeyDistributionMessage
(its chain id and signing key must equal the recorded ones, and its chain key must equal messages[0].chainKey
when messages[0].iteration is the SKDM's iteration). A fresh receiver then processes it for sender
("sender", 1) in the group named by the groupId hex string, and decrypts the messages in deliveryOrder: each
must decrypt to the recorded plaintext. Finally the first delivered message is delivered again and must be
refused as a duplicate. Tests with layout "distribution_uuid" are skipped (neither library speaks it) and not
counted. Prints one line per test and a summary; exit 0 iff no test fails.
"""
import argparse
import json
import sys
from vector_checks import Failure, check, pick_impl

SENDER = ("sender", 1)  # not recorded; any fixed address works, the messages do not carry it
SKIPPED_LAYOUTS = {"distribution_uuid": "libsignal 0.2.3 / axolotl only speak the legacy layout"}


class LibsignalReceiver:
    """A signal-protocol 0.2.3 (Rust libsignal) group member receiving from SENDER."""

    def __init__(self, group):
        from signal_protocol import address, identity_key, sender_keys, storage
        self.store = storage.InMemSignalProtocolStore(identity_key.IdentityKeyPair.generate(), 1)
        self.name = sender_keys.SenderKeyName(group, address.ProtocolAddress(*SENDER))

    @staticmethod
    def parse_distribution(data):
        from signal_protocol import protocol
        m = protocol.SenderKeyDistributionMessage.try_from(data)
        return {"id": m.id(), "iteration": m.iteration(), "chainKey": bytes(m.chain_key()).hex(),
                "signingKey": bytes(m.signing_key().serialize()).hex()}

    @staticmethod
    def parse_message(data):
        """(key id, iteration) of a SenderKeyMessage."""
        from signal_protocol import protocol
        m = protocol.SenderKeyMessage.try_from(data)
        return m.key_id(), m.iteration()

    def process(self, data):
        from signal_protocol import group_cipher, protocol
        group_cipher.process_sender_key_distribution_message(
            self.name, protocol.SenderKeyDistributionMessage.try_from(data), self.store)

    def decrypt(self, data):
        from signal_protocol import group_cipher
        return bytes(group_cipher.group_decrypt(data, self.store, self.name))


class AxolotlReceiver:
    """A python-axolotl 0.2.3 group member receiving from SENDER (store from axolotl_adapter.py)."""

    def __init__(self, group):
        import logging
        from axolotl.axolotladdress import AxolotlAddress
        from axolotl.groups.senderkeyname import SenderKeyName
        from axolotl_adapter import Store
        logging.disable(logging.WARNING)
        self.store = Store(1)
        self.name = SenderKeyName(group, AxolotlAddress(*SENDER))

    @staticmethod
    def parse_distribution(data):
        from axolotl.protocol.senderkeydistributionmessage import SenderKeyDistributionMessage
        m = SenderKeyDistributionMessage(serialized=data)
        return {"id": m.getId(), "iteration": m.getIteration(), "chainKey": bytes(m.getChainKey()).hex(),
                "signingKey": bytes(m.getSignatureKey().serialize()).hex()}

    @staticmethod
    def parse_message(data):
        """(key id, iteration) of a SenderKeyMessage."""
        from axolotl.protocol.senderkeymessage import SenderKeyMessage
        m = SenderKeyMessage(serialized=data)
        return m.getKeyId(), m.getIteration()

    def process(self, data):
        from axolotl.groups.groupsessionbuilder import GroupSessionBuilder
        from axolotl.protocol.senderkeydistributionmessage import SenderKeyDistributionMessage
        GroupSessionBuilder(self.store).process(self.name, SenderKeyDistributionMessage(serialized=data))

    def decrypt(self, data):
        from axolotl.groups.groupcipher import GroupCipher
        return bytes(GroupCipher(self.store, self.name).decrypt(data))


IMPLS = {"libsignal": ("signal_protocol", LibsignalReceiver),
         "axolotl": ("axolotl.groups.groupcipher", AxolotlReceiver)}


class Skip(Exception):
    pass


def is_duplicate_error(error):
    """libsignal 0.2.3: SignalProtocolException 'message with old counter ...';
    python-axolotl: DuplicateMessageException 'Received message with old counter ...'."""
    return "Duplicate" in type(error).__name__ or "old counter" in str(error)


def run_test(receiver_class, t):
    """Returns a description of what was checked; raises Skip or Failure."""
    layout = t.get("layout")
    if layout in SKIPPED_LAYOUTS:
        raise Skip("layout %r (%s)" % (layout, SKIPPED_LAYOUTS[layout]))
    check(layout == "legacy", "unknown layout %r" % (layout,))
    check(t.get("result", "valid") == "valid", "result %r is not supported" % t.get("result"))
    messages, order = t["messages"], t["deliveryOrder"]
    check(messages and order, "no messages or empty deliveryOrder")
    distribution = bytes.fromhex(t["distribution"])

    try:
        skdm = receiver_class.parse_distribution(distribution)
    except Exception as error:
        raise Failure("SKDM does not parse: %s: %s" % (type(error).__name__, error))
    check(skdm["id"] == t["chainId"], "SKDM id %s != recorded chainId %s" % (skdm["id"], t["chainId"]))
    check(skdm["signingKey"] == t["signingPublicKey"], "SKDM signing key %s != recorded signingPublicKey %s"
          % (skdm["signingKey"], t["signingPublicKey"]))
    if messages[0]["iteration"] == skdm["iteration"]:
        check(skdm["chainKey"] == messages[0]["chainKey"], "SKDM chain key %s != messages[0].chainKey %s"
              % (skdm["chainKey"], messages[0]["chainKey"]))
        chain_key_note = "SKDM chain key = messages[0].chainKey"
    else:
        chain_key_note = ("SKDM chain key not compared (SKDM iteration %d, messages[0].iteration %d)"
                          % (skdm["iteration"], messages[0]["iteration"]))

    receiver = receiver_class(t["groupId"])
    try:
        receiver.process(distribution)
    except Exception as error:
        raise Failure("processing the SKDM failed: %s: %s" % (type(error).__name__, error))
    for index in order:
        check(0 <= index < len(messages), "deliveryOrder names message %d of %d" % (index, len(messages)))
        m = messages[index]
        data = bytes.fromhex(m["message"])
        try:
            key_id, iteration = receiver_class.parse_message(data)
            plaintext = receiver.decrypt(data)
        except Exception as error:
            raise Failure("message %d: decrypt failed: %s: %s" % (index, type(error).__name__, error))
        check((key_id, iteration) == (t["chainId"], m["iteration"]),
              "message %d: parsed key id / iteration %s / %s != recorded %s / %s"
              % (index, key_id, iteration, t["chainId"], m["iteration"]))
        check(plaintext.hex() == m["plaintext"], "message %d: plaintext %s != recorded %s"
              % (index, plaintext.hex(), m["plaintext"]))

    again = order[0]
    try:
        receiver.decrypt(bytes.fromhex(messages[again]["message"]))
    except Exception as error:
        check(is_duplicate_error(error), "re-delivered message %d refused, but not as a duplicate: %s: %s"
              % (again, type(error).__name__, error))
        refusal = "%s: %s" % (type(error).__name__, error)
    else:
        raise Failure("re-delivered message %d decrypted again (no duplicate detection)" % again)
    return ("%d messages decrypted in order %s; %s; re-delivery of message %d refused (%s)"
            % (len(order), order, chain_key_note, again, refusal))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", choices=sorted(IMPLS))
    parser.add_argument("vectors")
    args = parser.parse_args()
    impl = pick_impl(IMPLS, args.impl)
    receiver_class = IMPLS[impl][1]
    with open(args.vectors) as f:
        tests = [t for group in json.load(f)["testGroups"] for t in group["tests"]]
    print("impl: %s" % impl)
    passed = failed = 0
    for t in tests:
        try:
            print("PASS tcId=%s: %s" % (t["tcId"], run_test(receiver_class, t)))
            passed += 1
        except Skip as reason:
            print("SKIP tcId=%s: %s" % (t["tcId"], reason))
        except Exception as error:
            print("FAIL tcId=%s: %s" % (t["tcId"], error))
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
