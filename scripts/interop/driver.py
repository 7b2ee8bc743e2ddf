#!/usr/bin/env python3
"""Interop driver: runs 1:1 Signal conversations between two implementations.

Usage:
    driver.py --a "<command for implementation A>" --b "<command for implementation B>"
              [--seeds 1,2,3] [--only NAME[,NAME...]] [--timeout SECONDS]

Each command starts a server speaking JSON lines on stdin/stdout (one object per line, flushed).
Bytes are lowercase hex. Requests carry `id` (int) and `op`; answers echo `id` and carry `ok` (bool);
a failure is {"id":N,"ok":false,"error":"..."} and the server keeps serving. A server holds many
parties by name (each a full device with its own identity, registration id, device id and stores).

    info            -> {backend, sender_key_format: "legacy"}
    create_party    {party, device_id, registration_id} -> {identity_key}  (33 B 05||u; replaces a party)
    prekey_bundle   {party, with_one_time} -> {bundle: {registration_id, device_id, identity_key,
                    signed_prekey_id, signed_prekey, signed_prekey_signature, prekey_id?, prekey?}}
    process_bundle  {party, peer, peer_device, bundle} -> {}   (fails on a changed peer identity: TOFU)
    encrypt         {party, peer, peer_device, plaintext} -> {message_type: 2|3, ciphertext}
    decrypt         {party, peer, peer_device, message_type, ciphertext} -> {plaintext}
    fingerprint     {party, peer, peer_device, iterations} -> {displayable, scannable}
                    (NumericFingerprintGenerator, stable ids = UTF-8 party names, scannable version 2)
    shutdown        -> {ok: true}, then exit

Group (Sender Keys) ops, legacy layout (FACTS §1.4, §1.11, §1.16). `group` is a 16-byte group id in hex;
in the legacy layout its (lowercase) hex string is the local group name, and sender-key states are kept per
(group name, sender name, sender device). A party sends as (its name, its device_id from create_party).
    group_create    {party, group, format?} -> {distribution}
                    SenderKeyDistributionMessage 0x33 || {1 id u32 (31-bit), 2 iteration, 3 chain_key (32 B),
                    4 signing_key (33 B)} for the party's own sender key, created if none exists (iteration 0);
                    afterwards it reports the CURRENT chain state (iteration = next message), so a late joiner
                    cannot read earlier messages. `format`, if given, must be "legacy", otherwise ok:false.
    group_process   {party, sender, sender_device, group, distribution} -> {}
    group_encrypt   {party, group, plaintext} -> {ciphertext}
                    SenderKeyMessage 0x33 || {1 id, 2 iteration, 3 AES-CBC ciphertext} || 64-byte XEdDSA signature
    group_decrypt   {party, sender, sender_device, group, ciphertext} -> {plaintext}
                    ok:false for: no state for that sender/key id, bad signature, any tampering, a message
                    already decrypted (duplicate) or older than the state's first iteration. A failed decrypt
                    must leave the state unchanged.

For every seed, every scenario runs in both directions (A initiates to B, then B to A) with fresh,
uniquely named parties. Group scenarios: in A->B the sender lives on A, two receivers on B and one on A
(so both implementations decrypt); B->A mirrors it. One line per run, then a last line
`N passed, M failed`; exit 0 iff M == 0.
"""
import argparse
import json
import queue
import random
import shlex
import subprocess
import sys
import threading
import time

import numeric_fingerprint


# Set by --kem: bundles carry KEM prekeys and 1:1 sessions are v4 (0x44).
KEM = False


class Failure(Exception):
    """An expectation of the scenario was not met."""


class PeerError(Failure):
    """The server process broke the transport (died, hung, answered garbage); it gets restarted."""


# ---------------------------------------------------------------- transport

class Peer:
    def __init__(self, label, command, timeout):
        self.label, self.command, self.timeout = label, command, timeout
        self.next_id = 0
        self.start()

    def start(self):
        self.proc = subprocess.Popen(shlex.split(self.command), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True).start()

    @staticmethod
    def _pump(stream, lines):
        for line in stream:
            lines.put(line)
        lines.put(None)

    def request(self, op, **fields):
        """Sends one request and returns the answer, whatever its `ok`."""
        self.next_id += 1
        rid = self.next_id
        try:
            self.proc.stdin.write(json.dumps(dict(id=rid, op=op, **fields)) + "\n")
            self.proc.stdin.flush()
        except OSError as error:
            raise PeerError("%s: cannot send %s: %s" % (self.label, op, error))
        while True:
            try:
                line = self.lines.get(timeout=self.timeout)
            except queue.Empty:
                raise PeerError("%s: no answer to %s within %ss" % (self.label, op, self.timeout))
            if line is None:
                raise PeerError("%s: exited (status %s) during %s" % (self.label, self.proc.wait(), op))
            if line.strip():
                break
        try:
            answer = json.loads(line)
        except ValueError:
            raise PeerError("%s: answer to %s is not JSON: %.80r" % (self.label, op, line))
        if not isinstance(answer, dict) or answer.get("id") != rid or not isinstance(answer.get("ok"), bool):
            raise PeerError("%s: bad answer to %s (id %s): %.120r" % (self.label, op, rid, line))
        return answer

    def call(self, op, **fields):
        """Sends one request that must succeed."""
        answer = self.request(op, **fields)
        if not answer["ok"]:
            raise Failure("%s %s failed: %s" % (self.label, op, answer.get("error")))
        return answer

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"id": 0, "op": "shutdown"}) + "\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()

    def restart(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.start()


# ---------------------------------------------------------------- wire helpers

def pb_fields(data):
    """Minimal protobuf reader: {field: [(value, offset of value)]} for varint and length fields."""
    fields, i = {}, 0

    def varint():
        nonlocal i
        value = shift = 0
        while True:
            if i >= len(data) or shift > 63:
                raise Failure("truncated or bad protobuf varint")
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    while i < len(data):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            start = i
            fields.setdefault(field, []).append((varint(), start))
        elif wire == 2:
            size = varint()
            if i + size > len(data):
                raise Failure("truncated protobuf field %d" % field)
            fields.setdefault(field, []).append((data[i:i + size], i))
            i += size
        else:
            raise Failure("unexpected protobuf wire type %d (field %d)" % (wire, field))
    return fields


def pb_one(fields, number):
    values = fields.get(number, [])
    if len(values) != 1:
        raise Failure("protobuf field %d present %d times" % (number, len(values)))
    return values[0]


def pb_varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pb_encode(*fields):
    """Canonical proto2 encoding of (number, value) pairs in the given order: int -> varint, bytes -> length."""
    out = bytearray()
    for number, value in fields:
        if isinstance(value, int):
            out += pb_varint(number << 3) + pb_varint(value)
        else:
            out += pb_varint(number << 3 | 2) + pb_varint(len(value)) + value
    return bytes(out)


def check_key(value, what):
    key = bytes.fromhex(value)
    if len(key) != 33 or key[0] != 0x05:
        raise Failure("%s is not a 33-byte 05||u key: %s" % (what, value))
    return key


# ---------------------------------------------------------------- conversation model

class Party:
    """One device on one server. `pending`: it initiated a session and has not yet decrypted a reply,
    so its messages must be PreKey messages (type 3)."""

    def __init__(self, peer, name, rng):
        self.peer, self.name = peer, name
        self.device_id = rng.randint(1, 127)
        self.registration_id = rng.randint(1, 16380)
        self.create()

    def create(self):
        answer = self.peer.call("create_party", party=self.name, device_id=self.device_id,
                                registration_id=self.registration_id)
        self.identity_key = check_key(answer["identity_key"], "%s identity_key" % self.name)
        self.pending = False

    def ref(self, other):
        return dict(party=self.name, peer=other.name, peer_device=other.device_id)

    def bundle(self, one_time):
        if KEM:
            bundle = self.peer.call("prekey_bundle", party=self.name, with_one_time=one_time, with_kem=True)["bundle"]
            kem = bytes.fromhex(bundle.get("kem_prekey", ""))
            if len(kem) != 1569 or kem[0] != 0x0A or not isinstance(bundle.get("kem_prekey_id"), int) \
                    or len(bytes.fromhex(bundle.get("kem_prekey_signature", ""))) != 64:
                raise Failure("bundle of %s: KEM prekey missing or malformed (want 0x0a || 1568 B, id, 64-B signature)" % self.name)
        else:
            bundle = self.peer.call("prekey_bundle", party=self.name, with_one_time=one_time)["bundle"]
        for name in ("registration_id", "device_id", "signed_prekey_id"):
            if not isinstance(bundle.get(name), int):
                raise Failure("bundle of %s: %s missing or not an int" % (self.name, name))
        if bundle["registration_id"] != self.registration_id or bundle["device_id"] != self.device_id:
            raise Failure("bundle of %s: wrong registration_id/device_id" % self.name)
        if check_key(bundle["identity_key"], "bundle identity_key") != self.identity_key:
            raise Failure("bundle of %s: identity_key differs from create_party" % self.name)
        check_key(bundle["signed_prekey"], "bundle signed_prekey")
        if len(bytes.fromhex(bundle["signed_prekey_signature"])) != 64:
            raise Failure("bundle of %s: signature is not 64 bytes" % self.name)
        if one_time:
            check_key(bundle.get("prekey", ""), "bundle prekey")
            if not isinstance(bundle.get("prekey_id"), int):
                raise Failure("bundle of %s: prekey_id missing" % self.name)
        elif "prekey" in bundle or "prekey_id" in bundle:
            raise Failure("bundle of %s: one-time prekey present though not asked for" % self.name)
        return bundle

    def process_bundle(self, other, bundle):
        self.peer.call("process_bundle", bundle=bundle, **self.ref(other))
        self.pending = True


class Msg:
    def __init__(self, src, dst, plaintext, message_type, ciphertext):
        self.src, self.dst, self.plaintext = src, dst, plaintext
        self.type, self.ct = message_type, ciphertext


class Conv:
    def __init__(self, rng):
        self.rng, self.msgs, self.note = rng, 0, ""

    def send(self, src, dst, plaintext=None, check_type=True):
        if plaintext is None:
            plaintext = ("%s #%d " % (src.name, self.rng.randrange(10 ** 6))).encode() + \
                self.rng.randbytes(self.rng.randrange(48))
        answer = src.peer.call("encrypt", plaintext=plaintext.hex(), **src.ref(dst))
        msg = Msg(src, dst, plaintext, answer.get("message_type"), bytes.fromhex(answer["ciphertext"]))
        if msg.type not in (2, 3):
            raise Failure("%s encrypt: message_type %r" % (src.name, msg.type))
        if KEM and msg.ct[:1] != b"\x44":
            raise Failure("%s encrypt: v4 session message starts with %s, expected 44" % (src.name, msg.ct[:1].hex()))
        want = 3 if src.pending else 2
        if check_type and msg.type != want:
            raise Failure("%s sent message_type %d, expected %d (%s)" % (
                src.name, msg.type, want, "no reply decrypted yet" if src.pending else "session acknowledged"))
        return msg

    def decrypt(self, msg, ciphertext):
        return msg.dst.peer.request("decrypt", message_type=msg.type, ciphertext=ciphertext.hex(),
                                    **msg.dst.ref(msg.src))

    def try_deliver(self, msg):
        """Decrypt request; returns the answer. Counts and acknowledges a correct decryption."""
        answer = self.decrypt(msg, msg.ct)
        if answer["ok"]:
            if bytes.fromhex(answer.get("plaintext", "")) != msg.plaintext:
                raise Failure("%s decrypted a wrong plaintext" % msg.dst.name)
            self.msgs += 1
            msg.dst.pending = False
        return answer

    def deliver(self, msg, what="message"):
        answer = self.try_deliver(msg)
        if not answer["ok"]:
            raise Failure("%s could not decrypt %s (type %d): %s"
                          % (msg.dst.name, what, msg.type, answer.get("error")))

    def reject(self, msg, what, ciphertext=None):
        if self.decrypt(msg, msg.ct if ciphertext is None else ciphertext)["ok"]:
            raise Failure("%s: %s decrypted but must fail" % (msg.dst.name, what))

    def exchange(self, a, b, rounds):
        for _ in range(rounds):
            self.deliver(self.send(a, b))
            self.deliver(self.send(b, a))


def flip(data, index):
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


def check_prekey_message(msg, bundle):
    """Structure of a PreKeySignalMessage against the bundle it was built from."""
    fields = pb_fields(msg.ct[1:])
    if bundle.get("prekey_id") is None:
        if 1 in fields:
            raise Failure("PreKey message carries pre_key_id though the bundle had no one-time prekey")
    elif pb_one(fields, 1)[0] != bundle["prekey_id"]:
        raise Failure("PreKey message pre_key_id != bundle prekey_id")
    if pb_one(fields, 6)[0] != bundle["signed_prekey_id"]:
        raise Failure("PreKey message signed_pre_key_id != bundle signed_prekey_id")
    if pb_one(fields, 3)[0] != msg.src.identity_key:
        raise Failure("PreKey message identity_key is not the sender's identity")
    if pb_one(fields, 5)[0] != msg.src.registration_id:
        raise Failure("PreKey message registration_id is not the sender's")
    return fields


# ---------------------------------------------------------------- scenarios
# Each gets (conv, initiator, responder) and raises Failure on a broken expectation.

def basic(c, a, b):
    bundle = b.bundle(one_time=True)
    a.process_bundle(b, bundle)
    first = c.send(a, b)
    check_prekey_message(first, bundle)
    c.deliver(first)
    c.deliver(c.send(a, b))  # still type 3: no reply decrypted yet
    for _ in range(4):
        for src, dst in ((b, a), (a, b)):
            for _ in range(c.rng.randint(1, 3)):
                c.deliver(c.send(src, dst))


def no_one_time_prekey(c, a, b):
    bundle = b.bundle(one_time=False)
    a.process_bundle(b, bundle)
    first = c.send(a, b)
    check_prekey_message(first, bundle)
    c.deliver(first)
    c.deliver(c.send(a, b))
    c.exchange(b, a, 3)


def out_of_order(c, a, b):
    a.process_bundle(b, b.bundle(one_time=True))
    for src, dst in ((a, b), (b, a), (a, b)):  # PreKey messages, then two ratchet steps
        batch = [c.send(src, dst) for _ in range(20)]
        c.rng.shuffle(batch)
        for msg in batch:
            c.deliver(msg)
    c.deliver(c.send(b, a))


def lost_messages(c, a, b):
    a.process_bundle(b, b.bundle(one_time=True))
    for src, dst, count, lose in ((a, b, 10, 4), (b, a, 6, 3), (a, b, 5, 2), (b, a, 4, 4)):
        batch = [c.send(src, dst) for _ in range(count)]
        lost = set(c.rng.sample(range(count), lose))
        if lose < count:
            lost.add(0)  # the first message of a chain is lost
            lost.discard(count - 1)  # something of each batch arrives, except in the all-lost batch
        for i, msg in enumerate(batch):
            if i not in lost:
                c.deliver(msg)
    c.exchange(a, b, 2)


def simultaneous_initiation(c, a, b):
    """Java SimultaneousInitiateTests: both initiate, each decrypts the other's PreKey message; the two
    sessions converge once each side has decrypted a message from the other's current session."""
    a.process_bundle(b, b.bundle(one_time=True))
    b.process_bundle(a, a.bundle(one_time=True))
    to_b, to_a = c.send(a, b), c.send(b, a)
    for msg in c.rng.sample([to_b, to_a], 2):
        c.deliver(msg, "the simultaneous PreKey message")
    rounds, clean = 5, []
    first, second = c.rng.sample([a, b], 2)
    for _ in range(rounds):
        ok = True
        for src, dst in ((first, second), (second, first)):
            msg = c.send(src, dst, check_type=False)
            ok = c.try_deliver(msg)["ok"] and msg.type == 2 and ok
        clean.append(ok)
    converged = next((i for i in range(rounds) if all(clean[i:])), None)
    if converged is None or converged > 2:
        raise Failure("no convergence: rounds clean (decrypted both ways, type 2) = %s" % clean)
    c.note = "converged at round %d" % (converged + 1)


def long_chain(c, a, b):
    a.process_bundle(b, b.bundle(one_time=True))
    for _ in range(2000):
        c.deliver(c.send(a, b))
    c.deliver(c.send(b, a))
    c.deliver(c.send(a, b))


def payload_sizes(c, a, b):
    a.process_bundle(b, b.bundle(one_time=True))
    sizes = [0, 1, 15, 16, 17, 65536]
    for src, dst in ((a, b), (b, a), (a, b)):
        for size in sizes:
            c.deliver(c.send(src, dst, c.rng.randbytes(size)), "a %d-byte plaintext" % size)


def tamper(c, a, b):
    a.process_bundle(b, b.bundle(one_time=True))

    def signal_variants(ct, offset=0):
        body = c.rng.randrange(1, len(ct) - 8)  # protobuf body (after the version byte, before the MAC)
        mac = c.rng.randrange(len(ct) - 8, len(ct))
        return [("byte %d of the protobuf body" % body, offset + body), ("byte %d of the MAC" % mac, offset + mac)]

    first = c.send(a, b)
    fields = pb_fields(first.ct[1:])
    inner, inner_at = pb_one(fields, 4)
    base_at = pb_one(fields, 2)[1]
    variants = [("inner message " + what, 1 + at) for what, at in signal_variants(inner, inner_at)]
    variants.append(("base key", 1 + base_at + c.rng.randrange(1, 32)))  # not bit 7 of byte 31 (masked by X25519)
    for what, at in variants:
        c.reject(first, "PreKey message with flipped " + what, flip(first.ct, at))
    c.deliver(first, "the genuine PreKey message after tampered copies")
    for src, dst in ((b, a), (a, b)):
        msg = c.send(src, dst)
        for what, at in signal_variants(msg.ct):
            c.reject(msg, "SignalMessage with flipped " + what, flip(msg.ct, at))
        c.deliver(msg, "the genuine SignalMessage after tampered copies")
    c.exchange(b, a, 2)


def replay(c, a, b):
    a.process_bundle(b, b.bundle(one_time=True))
    first = c.send(a, b)
    c.deliver(first)
    c.reject(first, "replayed PreKey message")
    reply = c.send(b, a)
    c.deliver(reply)
    c.reject(reply, "replayed SignalMessage")
    m2, m3 = c.send(a, b), c.send(a, b)
    c.deliver(m3)
    c.deliver(m2)  # out of order: from a stored skipped key
    c.reject(m2, "replayed out-of-order SignalMessage")
    c.reject(first, "PreKey message replayed after the session moved on")
    c.exchange(b, a, 2)


def fingerprint(c, a, b):
    a.process_bundle(b, b.bundle(one_time=True))
    c.exchange(a, b, 1)
    for iterations in (5200, 2):
        got = {}
        for x, y in ((a, b), (b, a)):
            answer = x.peer.call("fingerprint", iterations=iterations, **x.ref(y))
            fields = pb_fields(bytes.fromhex(answer["scannable"]))
            if pb_one(fields, 1)[0] != 2:
                raise Failure("%s scannable version is not 2" % x.name)
            local = pb_one(pb_fields(pb_one(fields, 2)[0]), 1)[0]
            remote = pb_one(pb_fields(pb_one(fields, 3)[0]), 1)[0]
            got[x] = (answer["displayable"], local, remote, answer["scannable"])
        (da, la, ra, _), (db, lb, rb, _) = got[a], got[b]
        if da != db or len(da) != 60 or not da.isdigit():
            raise Failure("displayable fingerprints differ or are not 60 digits: %s / %s" % (da, db))
        if (la, ra) != (rb, lb):
            raise Failure("scannable fingerprints do not mirror each other (%d iterations)" % iterations)
        for x, y in ((a, b), (b, a)):  # both agree; now check against the reference algorithm
            displayable, scannable = numeric_fingerprint.fingerprint(
                iterations, x.name.encode(), x.identity_key, y.name.encode(), y.identity_key)
            if (got[x][0], got[x][3]) != (displayable, scannable.hex()):
                raise Failure("%s fingerprint (%d iterations) differs from NumericFingerprintGenerator"
                              % (x.name, iterations))


def identity_change(c, a, b):
    a.process_bundle(b, b.bundle(one_time=True))
    c.exchange(a, b, 1)
    old = b.identity_key
    b.create()  # same name, fresh identity and stores
    if b.identity_key == old:
        raise Failure("create_party on an existing name kept the identity key")
    answer = a.peer.request("process_bundle", bundle=b.bundle(one_time=True), **a.ref(b))
    if answer["ok"]:
        raise Failure("%s accepted a bundle with a changed identity key" % a.name)
    b.process_bundle(a, a.bundle(one_time=True))  # b knows nothing: trusts a on first use
    c.reject(c.send(b, a), "PreKey message from a changed identity")


# ---------------------------------------------------------------- groups (Sender Keys, legacy layout)

class Distribution:
    """A parsed, layout-checked SenderKeyDistributionMessage."""

    def __init__(self, raw, who):
        self.raw = raw
        if len(raw) < 1 or raw[0] != 0x33:
            raise Failure("%s: SKDM version byte is not 0x33: %s" % (who, raw[:1].hex()))
        fields = pb_fields(raw[1:])
        self.key_id, self.iteration = pb_one(fields, 1)[0], pb_one(fields, 2)[0]
        self.chain_key, self.signing_key = pb_one(fields, 3)[0], pb_one(fields, 4)[0]
        if not isinstance(self.key_id, int) or not isinstance(self.iteration, int) \
                or isinstance(self.chain_key, int) or isinstance(self.signing_key, int):
            raise Failure("%s: SKDM field of the wrong wire type" % who)
        if len(self.chain_key) != 32 or len(self.signing_key) != 33 or self.signing_key[0] != 0x05:
            raise Failure("%s: SKDM chain key %d B / signing key %d B (want 32 / 33 B 05||u)"
                          % (who, len(self.chain_key), len(self.signing_key)))
        if self.key_id >= 1 << 31:
            raise Failure("%s: SKDM key id %d is not 31-bit" % (who, self.key_id))
        canonical = pb_encode((1, self.key_id), (2, self.iteration), (3, self.chain_key), (4, self.signing_key))
        if raw[1:] != canonical:
            raise Failure("%s: SKDM is not {1 id, 2 iteration, 3 chain_key, 4 signing_key} in canonical order: %s"
                          % (who, raw.hex()))


class GroupMsg:
    def __init__(self, index, plaintext, ct):
        self.index, self.plaintext, self.ct = index, plaintext, ct


class Group:
    """One sender's sender key in one group, with its receivers (Party objects on any server)."""

    def __init__(self, conv, sender, group_id):
        self.c, self.sender, self.id = conv, sender, group_id
        self.receivers, self.sent, self.distribution = [], [], None

    def create(self, **extra):
        answer = self.sender.peer.call("group_create", party=self.sender.name, group=self.id, **extra)
        dist = Distribution(bytes.fromhex(answer["distribution"]), "%s group_create" % self.sender.name)
        if dist.iteration != len(self.sent):
            raise Failure("%s group_create: SKDM iteration %d, expected %d (messages sent so far)"
                          % (self.sender.name, dist.iteration, len(self.sent)))
        if self.distribution is not None:
            first = self.distribution
            if (dist.key_id, dist.signing_key) != (first.key_id, first.signing_key):
                raise Failure("%s group_create: a second call changed the key id or signing key" % self.sender.name)
            if (dist.iteration == first.iteration) != (dist.chain_key == first.chain_key):
                raise Failure("%s group_create: chain key does not follow the iteration" % self.sender.name)
        else:
            self.distribution = dist
        return dist

    def ref(self, receiver):
        return dict(party=receiver.name, sender=self.sender.name, sender_device=self.sender.device_id, group=self.id)

    def process(self, receiver, dist):
        receiver.peer.call("group_process", distribution=dist.raw.hex(), **self.ref(receiver))

    def distribute(self, receiver, dist):
        """Delivers the SKDM in a 1:1 message (session set up on first use), then group_process."""
        if receiver not in self.receivers:
            self.receivers.append(receiver)
            self.sender.process_bundle(receiver, receiver.bundle(one_time=True))
        msg = self.c.send(self.sender, receiver, dist.raw)
        self.c.deliver(msg, "the 1:1 message carrying the SKDM")
        self.process(receiver, dist)

    def encrypt(self, plaintext=None):
        index = len(self.sent)
        if plaintext is None:
            plaintext = ("group #%d " % index).encode() + self.c.rng.randbytes(self.c.rng.randrange(48))
        answer = self.sender.peer.call("group_encrypt", party=self.sender.name, group=self.id,
                                       plaintext=plaintext.hex())
        msg = GroupMsg(index, plaintext, bytes.fromhex(answer["ciphertext"]))
        self.check_layout(msg)
        self.sent.append(msg)
        return msg

    def check_layout(self, msg):
        """0x33 || {1 id varint, 2 iteration varint, 3 ciphertext} || 64-byte signature, canonical."""
        ct, who = msg.ct, "%s group message #%d" % (self.sender.name, msg.index)
        if len(ct) < 1 + 64 + 2 or ct[0] != 0x33:
            raise Failure("%s: too short or version byte not 0x33: %s" % (who, ct[:1].hex()))
        fields = pb_fields(ct[1:-64])
        key_id, iteration, body = pb_one(fields, 1)[0], pb_one(fields, 2)[0], pb_one(fields, 3)[0]
        if not isinstance(key_id, int) or not isinstance(iteration, int) or isinstance(body, int):
            raise Failure("%s: field of the wrong wire type" % who)
        if ct[1:-64] != pb_encode((1, key_id), (2, iteration), (3, body)):
            raise Failure("%s: not {1 id, 2 iteration, 3 ciphertext} in canonical order: %s" % (who, ct.hex()))
        if self.distribution is not None and key_id != self.distribution.key_id:
            raise Failure("%s: key id %d != SKDM key id %d" % (who, key_id, self.distribution.key_id))
        if iteration != msg.index:
            raise Failure("%s: iteration %d, expected %d" % (who, iteration, msg.index))
        if len(body) != 16 * (len(msg.plaintext) // 16 + 1):
            raise Failure("%s: %d-byte ciphertext for a %d-byte plaintext (AES-CBC/PKCS#7 wants %d)"
                          % (who, len(body), len(msg.plaintext), 16 * (len(msg.plaintext) // 16 + 1)))
        msg.id_at, msg.iteration_at = 1 + pb_one(fields, 1)[1], 1 + pb_one(fields, 2)[1]  # offsets in msg.ct
        msg.body_at = 1 + pb_one(fields, 3)[1]
        msg.body_len = len(body)

    def decrypt(self, receiver, msg, ciphertext=None):
        return receiver.peer.request("group_decrypt", ciphertext=(msg.ct if ciphertext is None else ciphertext).hex(),
                                     **self.ref(receiver))

    def deliver(self, receiver, msg):
        answer = self.decrypt(receiver, msg)
        if not answer["ok"]:
            raise Failure("%s could not decrypt group message #%d (%d B): %s"
                          % (receiver.name, msg.index, len(msg.plaintext), answer.get("error")))
        if bytes.fromhex(answer.get("plaintext", "")) != msg.plaintext:
            raise Failure("%s decrypted group message #%d to a wrong plaintext" % (receiver.name, msg.index))
        self.c.msgs += 1

    def deliver_shuffled(self, receiver, msgs):
        msgs = list(msgs)
        self.c.rng.shuffle(msgs)
        for msg in msgs:
            self.deliver(receiver, msg)

    def reject(self, receiver, msg, what, ciphertext=None):
        answer = self.decrypt(receiver, msg, ciphertext)
        if answer["ok"]:
            raise Failure("%s: %s (group message #%d) decrypted but must fail" % (receiver.name, what, msg.index))


def group_basic(c, g, new_receiver):
    refused = g.sender.peer.request("group_create", party=g.sender.name, group=g.id, format="no-such-format")
    if refused["ok"]:
        raise Failure("%s group_create accepted format \"no-such-format\"" % g.sender.name)
    dist = g.create(format="legacy")
    g.create()  # the same state again: same id, iteration 0, same chain key
    msgs = [g.encrypt() for _ in range(50)]
    receivers = [new_receiver() for _ in range(3)]
    g.reject(receivers[0], msgs[0], "message from a sender whose SKDM was not processed")
    for receiver in receivers:
        g.distribute(receiver, dist)
    for receiver in receivers:
        g.deliver_shuffled(receiver, msgs)
    for receiver in receivers:
        for msg in msgs:
            g.reject(receiver, msg, "duplicate")
    g.deliver_shuffled(c.rng.choice(receivers), [g.encrypt()])


def group_late_joiner(c, g, new_receiver):
    dist = g.create()
    early = [new_receiver() for _ in range(3)]
    for receiver in early:
        g.distribute(receiver, dist)
    before = [g.encrypt() for _ in range(10)]
    late_dist = g.create()  # iteration 10
    late = [new_receiver(other_side=True), new_receiver(other_side=False)]
    for receiver in late:
        g.distribute(receiver, late_dist)
        for msg in before:
            g.reject(receiver, msg, "message sent before the late joiner's SKDM")
    after = [g.encrypt() for _ in range(10)]
    for receiver in late:
        g.deliver_shuffled(receiver, after)
        for msg in before:
            g.reject(receiver, msg, "earlier message after the chain moved on")
    for receiver in early:
        g.deliver_shuffled(receiver, before + after)


def group_tamper(c, g, new_receiver):
    dist = g.create()
    receivers = [new_receiver() for _ in range(3)]
    for receiver in receivers:
        g.distribute(receiver, dist)
    msg = g.encrypt()
    for receiver in receivers:
        g.deliver(receiver, msg)

    def variants(msg):
        sig = c.rng.randrange(64)
        body = c.rng.randrange(msg.body_len)
        return [("flipped signature byte %d" % sig, len(msg.ct) - 64 + sig),
                ("flipped ciphertext byte %d" % body, msg.body_at + body),
                ("flipped iteration", msg.iteration_at),
                ("flipped key id", msg.id_at)]

    for genuine_first in (True, False):
        msg = g.encrypt()
        for receiver in receivers:
            for what, at in variants(msg):
                g.reject(receiver, msg, what, flip(msg.ct, at))
        following = g.encrypt()
        for receiver in receivers:
            for m in (msg, following) if genuine_first else (following, msg):  # 2nd: msg from a skipped key
                g.deliver(receiver, m)
    msg = g.encrypt()
    for receiver in receivers:
        g.deliver(receiver, msg)


def group_idempotent(c, g, new_receiver):
    dist = g.create()
    receivers = [new_receiver() for _ in range(3)]
    for receiver in receivers:
        g.distribute(receiver, dist)
        g.process(receiver, dist)  # the same SKDM again, straight away
    first = [g.encrypt() for _ in range(5)]
    for receiver in receivers:
        g.deliver_shuffled(receiver, first)
    for receiver in receivers:
        g.distribute(receiver, dist)  # re-sent over the 1:1 session after messages were read
    second = [g.encrypt() for _ in range(5)]
    for receiver in receivers:
        g.deliver_shuffled(receiver, second)
    # Not asserted: whether an old message decrypts again after the stale SKDM was processed (libsignal 0.2.3
    # and Java rewind the chain and accept it, python-axolotl and current libsignal keep the state and refuse).
    replayed = [r for r in receivers if g.decrypt(r, first[0])["ok"]]
    c.note = "replay after re-processing the SKDM: %s" % (
        "accepted by " + ", ".join("%s(%s)" % (r.name.split("-")[0], r.peer.label) for r in replayed)
        if replayed else "refused by all")
    last = g.encrypt()
    for receiver in receivers:
        g.deliver(receiver, last)


def group_sizes(c, g, new_receiver):
    dist = g.create()
    receivers = [new_receiver() for _ in range(3)]
    for receiver in receivers:
        g.distribute(receiver, dist)
    for size in (0, 16, 1024, 65536):
        msg = g.encrypt(c.rng.randbytes(size))
        for receiver in receivers:
            g.deliver(receiver, msg)


# ---------------------------------------------------------------- sealed sender v1 (SPEC §7)
FAR_FUTURE_MS = 4102444800000  # 2100-01-01
NOW_MS = 1764590400000


class Authority:
    """A sealed-sender certificate authority held by one implementation."""

    def __init__(self, peer, name, rng):
        self.peer, self.name = peer, name
        answer = peer.call("ca_create", ca=name, server_key_id=rng.randint(1, 2**31))
        self.trust_root = check_key(answer["trust_root"], "trust_root")
        if not answer.get("server_certificate"):
            raise Failure("ca_create of %s: no server_certificate" % name)

    def certificate(self, party, expires=FAR_FUTURE_MS, identity_key=None):
        return self.peer.call("ca_sender_certificate", ca=self.name, sender_uuid=party.name, sender_e164=None,
                              sender_device=party.device_id, identity_key=(identity_key or party.identity_key).hex(),
                              expires_ms=expires)["sender_certificate"]


def sealed_send(src, dst, certificate, plaintext):
    return src.peer.call("sealed_encrypt", sender_certificate=certificate, plaintext=plaintext.hex(), **src.ref(dst))["ciphertext"]


def sealed_open(dst, authority, ciphertext, timestamp=NOW_MS):
    return dst.peer.request("sealed_decrypt", party=dst.name, trust_root=authority.trust_root.hex(), timestamp_ms=timestamp,
                            local_uuid=dst.name, ciphertext=ciphertext)


def sealed_deliver(c, src, dst, authority, certificate, plaintext=None):
    plaintext = c.rng.randbytes(c.rng.randint(0, 200)) if plaintext is None else plaintext
    answer = sealed_open(dst, authority, sealed_send(src, dst, certificate, plaintext))
    if not answer["ok"]:
        raise Failure("%s could not open a sealed message from %s: %s" % (dst.name, src.name, answer.get("error")))
    if answer["sender_uuid"] != src.name or answer["sender_device"] != src.device_id or answer.get("sender_e164") is not None:
        raise Failure("%s: sealed sender reported as %s.%s, expected %s.%s"
                      % (dst.name, answer["sender_uuid"], answer["sender_device"], src.name, src.device_id))
    if bytes.fromhex(answer["plaintext"]) != plaintext:
        raise Failure("%s: sealed plaintext differs" % dst.name)
    dst.pending = False  # it decrypted a message of the session: its own sends are plain SignalMessages now


def sealed_basic(c, a, b):
    """A sealed conversation; each side's certificate is issued by the authority on the other side."""
    a.process_bundle(b, b.bundle(one_time=True))
    ca_b, ca_a = Authority(b.peer, "ca-b-" + a.name, c.rng), Authority(a.peer, "ca-a-" + a.name, c.rng)
    cert_a, cert_b = ca_b.certificate(a), ca_a.certificate(b)
    sealed_deliver(c, a, b, ca_b, cert_a)
    sealed_deliver(c, a, b, ca_b, cert_a)
    for _ in range(3):
        sealed_deliver(c, b, a, ca_a, cert_b)
        sealed_deliver(c, a, b, ca_b, cert_a)
    # Sealed and plain messages share the session.
    c.deliver(c.send(a, b))
    c.deliver(c.send(b, a))
    sealed_deliver(c, b, a, ca_a, cert_b)


def sealed_rejections(c, a, b):
    """Expired, wrong root, another identity's certificate, tampering anywhere; then it still works."""
    a.process_bundle(b, b.bundle(one_time=True))
    own, other = Authority(a.peer, "ca-own-" + a.name, c.rng), Authority(b.peer, "ca-other-" + a.name, c.rng)
    good = own.certificate(a)
    sealed_deliver(c, a, b, own, good)
    stranger = Party(b.peer, "stranger-" + a.name, c.rng)
    cases = [("an expired certificate", own.certificate(a, expires=NOW_MS - 1), own, None),
             ("a certificate under another trust root", good, other, None),
             ("a certificate for another identity", own.certificate(a, identity_key=stranger.identity_key), own, None)]
    for what, certificate, authority, _ in cases:
        ciphertext = sealed_send(a, b, certificate, b"must not open")
        if sealed_open(b, authority, ciphertext)["ok"]:
            raise Failure("%s: a sealed message with %s opened" % (b.name, what))
    ciphertext = bytes.fromhex(sealed_send(a, b, good, b"tampered"))
    for index in sorted({1, 5, 40, 80, len(ciphertext) // 2, len(ciphertext) - 12, len(ciphertext) - 1}):
        if sealed_open(b, own, flip(ciphertext, index).hex())["ok"]:
            raise Failure("%s: a sealed message with byte %d flipped opened" % (b.name, index))
    if sealed_open(b, own, ciphertext[:-5].hex())["ok"]:
        raise Failure("%s: a truncated sealed message opened" % b.name)
    sealed_deliver(c, a, b, own, good)
    sealed_deliver(c, b, a, own, own.certificate(b))


SCENARIOS = [basic, no_one_time_prekey, out_of_order, lost_messages, simultaneous_initiation, long_chain,
             payload_sizes, tamper, replay, fingerprint, identity_change,
             group_basic, group_late_joiner, group_tamper, group_idempotent, group_sizes, sealed_basic, sealed_rejections]
GROUP_SCENARIOS = {group_basic, group_late_joiner, group_tamper, group_idempotent, group_sizes}
# Run only when both backends' `info` lists "sealed_sender" (python-axolotl has none).
SEALED_SCENARIOS = {sealed_basic, sealed_rejections}


# ---------------------------------------------------------------- runner

def run(scenario, seed, initiator, responder, direction):
    rng = random.Random(seed)
    tag = "s%d-%s-%s" % (seed, scenario.__name__, direction.replace("->", "").lower())
    conv = Conv(rng)
    if scenario in GROUP_SCENARIOS:
        # initiator = the sender's server; receivers alternate other, other, own side unless told
        sender = Party(initiator, "gsend-" + tag, rng)
        group = Group(conv, sender, rng.randbytes(16).hex())
        count = [0]

        def new_receiver(other_side=None):
            count[0] += 1
            if other_side is None:
                other_side = count[0] % 3 != 0
            return Party(responder if other_side else initiator, "grecv%d-%s" % (count[0], tag), rng)

        scenario(conv, group, new_receiver)
        return conv
    a = Party(initiator, "alice-" + tag, rng)
    b = Party(responder, "bob-" + tag, rng)
    scenario(conv, a, b)
    return conv


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a", required=True, help="command starting implementation A")
    parser.add_argument("--b", required=True, help="command starting implementation B")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated integer seeds (default 1,2,3)")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one answer")
    parser.add_argument("--kem", action="store_true",
                        help="PQXDH: every bundle carries an ML-KEM-1024 prekey (with_kem), so 1:1 sessions are v4")
    args = parser.parse_args()
    global KEM
    KEM = args.kem
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    scenarios = SCENARIOS
    if args.only:
        wanted = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = set(wanted) - {s.__name__ for s in SCENARIOS}
        if unknown:
            parser.error("unknown scenario(s) %s; known: %s" % (
                ", ".join(sorted(unknown)), ", ".join(s.__name__ for s in SCENARIOS)))
        scenarios = [s for s in SCENARIOS if s.__name__ in wanted]

    peers = {"A": Peer("A", args.a, args.timeout), "B": Peer("B", args.b, args.timeout)}
    passed = failed = 0
    started = time.monotonic()
    try:
        sealed = True
        for label, peer in peers.items():
            try:
                info = peer.call("info")
                print("%s: %s" % (label, info.get("backend")), flush=True)
                sealed = sealed and info.get("sealed_sender") == "v1"
            except Failure as error:
                print("%s: info failed: %s" % (label, error), flush=True)
                sealed = False
        if not sealed and any(s in SEALED_SCENARIOS for s in scenarios):
            print("note: a backend has no sealed sender v1: skipping %s"
                  % ", ".join(s.__name__ for s in scenarios if s in SEALED_SCENARIOS), flush=True)
            scenarios = [s for s in scenarios if s not in SEALED_SCENARIOS]
        for seed in seeds:
            for scenario in scenarios:
                for direction, x, y in (("A->B", "A", "B"), ("B->A", "B", "A")):
                    t0 = time.monotonic()
                    head = "%s  seed=%d  %s" % (scenario.__name__, seed, direction)
                    try:
                        conv = run(scenario, seed, peers[x], peers[y], direction)
                    except (Failure, KeyError, ValueError, TypeError, AttributeError) as error:
                        failed += 1
                        if not isinstance(error, Failure):  # a field missing or of the wrong kind
                            error = "malformed answer: %s: %s" % (type(error).__name__, error)
                        print("FAIL  %s  : %s" % (head, error), flush=True)
                        if isinstance(error, PeerError):
                            for peer in peers.values():
                                peer.restart()
                        continue
                    passed += 1
                    extra = ", " + conv.note if conv.note else ""
                    print("PASS  %s  (%d msgs%s)  %.2fs" % (head, conv.msgs, extra, time.monotonic() - t0),
                          flush=True)
    finally:
        for peer in peers.values():
            peer.stop()
    print("total time %.1fs" % (time.monotonic() - started))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
