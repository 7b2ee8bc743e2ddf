import BenchmarkSupport
import CBaseline
import Crypto
import Crosswire
import CrosswireSQLite
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation

// crosswire-compare: the same scenarios on Crosswire, libsignal-protocol-c and libolm (the C program
// engines/crosswire-engines, built with make), and on the primitive floor: the primitive calls the
// operation must make, with the fastest providers measured on this machine, and no protocol logic.
// Usage: swift run -c release crosswire-compare [--json] [--reps N] [--rounds N]
//
// Engines are interleaved repetition by repetition: each round runs every scenario group once on
// Crosswire, the floor, the stores and the peer engines back to back (one measured repetition after a
// warm-up each), and each ratio is the median of the per-round ratios with their spread: on a noisy VM
// the machine's speed drifts, and a ratio taken within one repetition cancels most of it.

let arguments = CommandLine.arguments
let jsonOutput = arguments.contains("--json")
let reps = arguments.firstIndex(of: "--reps").flatMap { Int(arguments[$0 + 1]) } ?? 1
let rounds = max(1, arguments.firstIndex(of: "--rounds").flatMap { Int(arguments[$0 + 1]) } ?? 7)
cw_init()

struct Row: Sendable {
    let scenario: String
    let engine: String
    let ns: Double
    let min: Double
    let max: Double
    var bytes: Int? = nil
    var note: String? = nil
    /// Heap allocations per operation (malloc and friends, counted over the measured repetitions).
    var allocs: Double? = nil
}

/// Median/min/max of `reps` repetitions of `batch` operations (after one warm-up repetition).
/// Runs on the caller's isolation, so the main-actor rows time calls made from the main actor.
func timed(_ batch: Int, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Void) async rethrows -> Timing {
    var samples: [Double] = []
    var allocations: UInt64 = 0
    for rep in 0...reps {
        let allocationsBefore = cw_alloc_count()
        let start = now()
        for _ in 0..<batch { try await body() }
        let elapsed = now() - start
        if rep > 0 {
            samples.append(Double(elapsed) / Double(batch))
            allocations += cw_alloc_count() - allocationsBefore
        }
    }
    samples.sort()
    return Timing(median: samples[samples.count / 2], min: samples.first!, max: samples.last!,
                  allocs: Double(allocations) / Double(batch * reps))
}

/// One scenario's repetitions: median, extremes, and allocations per operation.
struct Timing {
    let median: Double, min: Double, max: Double, allocs: Double
}

extension Row {
    /// Ping-pong measures a round trip (two messages); the scenario reports per message.
    var halvedPerMessage: Row { Row(scenario: scenario, engine: engine, ns: ns / 2, min: min / 2, max: max / 2, allocs: allocs.map { $0 / 2 }) }
}

func row(_ scenario: String, _ engine: String, _ t: Timing) -> Row {
    Row(scenario: scenario, engine: engine, ns: t.median, min: t.min, max: t.max, allocs: t.allocs)
}

// MARK: Through the stores

/// Alice and Bob in steady state on two stores of one kind, through `SessionCipher`.
func storePair<Store: SignalProtocolStore>(_ alice: Store, _ bob: Store, _ bobBundle: PreKeyBundle) async throws
    -> (SessionCipher<Store>, SessionCipher<Store>) {
    let toBob = SessionCipher(store: alice, address: ProtocolAddress(name: "bob", deviceID: DeviceID(1)))
    let toAlice = SessionCipher(store: bob, address: ProtocolAddress(name: "alice", deviceID: DeviceID(1)))
    try await toBob.process(bobBundle)
    let first = try await toBob.encrypt([1])
    _ = try await toAlice.decrypt(first.serialized, kind: first.kind)
    let reply = try await toAlice.encrypt([2])
    _ = try await toBob.decrypt(reply.serialized, kind: reply.kind)
    return (toBob, toAlice)
}

/// The `_store` rows called from the main actor, as a UI app's code would call them: each call hops off
/// the main actor to the cipher, to the store's actor and back.
@MainActor func mainActorRows() async throws -> [Row] {
    let payload = [UInt8](repeating: 0x61, count: 100)
    let memory = { InMemorySignalProtocolStore(identity: IdentityKeyPair.generate(), registrationID: RegistrationID.generate()) }
    let alice = memory(), bob = memory()
    _ = try await DeviceMaintenance(store: bob, policy: PreKeyPolicy(oneTimeMinimum: 1, oneTimeBatch: 1, postQuantum: false)).run()
    let (toBob, toAlice) = try await storePair(alice, bob, try await DeviceMaintenance(store: bob).bundle(deviceID: DeviceID(1)))
    var messages: [CiphertextMessage] = []
    var rows = [row("encrypt_100_store_main", "crosswire", try await timed(2000) { messages.append(try await toBob.encrypt(payload)) })]
    var index = 0
    rows.append(row("decrypt_100_store_main", "crosswire", try await timed(2000) {
        let message = messages[index]
        index += 1
        _ = try await toAlice.decrypt(message.serialized, kind: message.kind)
    }))
    return rows
}

/// encrypt/decrypt of 100 B committed through a store: the in-memory one, and SQLite at FULL and NORMAL
/// durability, with the cost of a bare one-row commit beside them (what dominates on disk).
func storeRows(_ group: Set<String>) async throws -> [Row] {
    var rows: [Row] = []
    let payload = [UInt8](repeating: 0x61, count: 100)
    func measure<Store: SignalProtocolStore>(_ suffix: String, _ alice: Store, _ bob: Store, batch: Int) async throws {
        _ = try await DeviceMaintenance(store: bob, policy: PreKeyPolicy(oneTimeMinimum: 1, oneTimeBatch: 1, postQuantum: false)).run()
        let bundle = try await DeviceMaintenance(store: bob).bundle(deviceID: DeviceID(1))
        let (toBob, toAlice) = try await storePair(alice, bob, bundle)
        var messages: [CiphertextMessage] = []
        rows.append(row("encrypt_100_\(suffix)", "crosswire", try await timed(batch) { messages.append(try await toBob.encrypt(payload)) }))
        var index = 0
        rows.append(row("decrypt_100_\(suffix)", "crosswire", try await timed(batch) {
            let message = messages[index]
            index += 1
            _ = try await toAlice.decrypt(message.serialized, kind: message.kind)
        }))
    }
    let memory = { InMemorySignalProtocolStore(identity: IdentityKeyPair.generate(), registrationID: RegistrationID.generate()) }
    if group.contains("encrypt_100_store") {
        try await measure("store", memory(), memory(), batch: 2000)
        // What the transaction itself costs: an empty body through the in-memory store's actor.
        let store = memory()
        let address = ProtocolAddress(name: "bob", deviceID: DeviceID(1))
        rows.append(row("store_transaction_empty", "crosswire", try await timed(2000) {
            _ = try await store.transaction(.session(address)) { _ in 0 }
        }))
        rows.append(row("store_transaction_load_save", "crosswire", try await timed(2000) {
            try await store.transaction(.session(address)) { t in
                if let record = t.session(for: address) { t.storeSession(record, for: address) } else { t.storeSession(SessionRecord(), for: address) }
            }
        }))
    }
    guard group.contains("encrypt_100_sqlite") else { return rows }

    let directory = NSTemporaryDirectory() + "crosswire-bench-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for (suffix, durability) in [("sqlite", SQLiteStore.Durability.full), ("sqlite_normal", .normal)] {
        func open(_ name: String) async throws -> SQLiteStore {
            let store = try SQLiteStore(path: "\(directory)/\(suffix)-\(name).sqlite", storageKey: SymmetricKey256(), options: .init(durability: durability))
            try await store.createLocalIdentity(IdentityKeyPair.generate(), registrationID: RegistrationID.generate())
            return store
        }
        let alice = try await open("alice"), bob = try await open("bob")
        try await measure(suffix, alice, bob, batch: 300)
        try await alice.transaction(.device) { t in try t.database.execute(sql: "CREATE TABLE bench (n INTEGER)") }
        rows.append(row(durability == .full ? "sqlite_commit_full" : "sqlite_commit_normal", "crosswire", try await timed(300) {
            try await alice.transaction(.device) { t in try t.database.execute(sql: "INSERT INTO bench VALUES (1)") }
        }))
    }
    return rows
}

// MARK: Crosswire

struct Peer {
    let store: InMemorySignalProtocolStore
    let address: ProtocolAddress
    let identity: IdentityKeyPair
}

func peer(_ name: String) -> Peer {
    let identity = IdentityKeyPair.generate()
    return Peer(store: InMemorySignalProtocolStore(identity: identity, registrationID: RegistrationID.generate()),
                address: ProtocolAddress(name: name, deviceID: DeviceID(1)), identity: identity)
}

/// The `setup` scenario: Bob's bundle (identity, registration id, signed prekey, one-time prekey),
/// Alice processes it and encrypts 100 bytes, Bob decrypts. Returns Alice's record right after.
func setup(_ payload: [UInt8]) async throws -> (alice: Peer, bob: Peer, record: SessionRecord) {
    let bob = peer("bob"), alice = peer("alice")
    let signed = SignedPreKey.generate(id: SignedPreKeyID(1), signedBy: bob.identity, timestamp: 0)
    let oneTime = OneTimePreKey.generateBatch(startingAt: PreKeyID(1), count: 1)[0]
    try await bob.store.storeSignedPreKey(signed)
    try await bob.store.storePreKey(oneTime)
    let bundle = try PreKeyBundle(
        publishing: bob.identity.identityKey, registrationID: await bob.store.localRegistrationID(), deviceID: DeviceID(1),
        signedPreKey: signed, oneTimePreKey: oneTime)
    let aliceCipher = SessionCipher(store: alice.store, address: bob.address)
    try await aliceCipher.process(bundle)
    let record = await alice.store.session(for: bob.address)!
    let message = try await aliceCipher.encrypt(payload)
    _ = try await SessionCipher(store: bob.store, address: alice.address).decrypt(message.serialized, kind: message.kind)
    return (alice, bob, record)
}

/// Records of a session where both sides have sent and received.
func steadyState() async throws -> (SessionRecord, SessionRecord) {
    let (alice, bob, _) = try await setup([1])
    let reply = try await SessionCipher(store: bob.store, address: alice.address).encrypt([2])
    _ = try await SessionCipher(store: alice.store, address: bob.address).decrypt(reply.serialized, kind: reply.kind)
    return (await alice.store.session(for: bob.address)!, await bob.store.session(for: alice.address)!)
}

/// Alice's account with a primary and two companions, each attested both ways, signed.
func benchmarkDeviceList() throws -> SignedDeviceList {
    let user = try UserAddress(parsing: "whatsapp:alice")
    let primary = IdentityKeyPair.generate()
    func identity(_ id: UInt32, _ key: IdentityKey) throws -> DeviceIdentity {
        try DeviceIdentity(user: user, deviceID: DeviceID(id), registrationID: RegistrationID(rawValue: id)!, identityKey: key, addedAt: 0)
    }
    let companions = try [2, 3].map { (id: UInt32) throws -> DeviceAttestation in
        let pair = IdentityKeyPair.generate()
        let device = try identity(id, pair.identityKey)
        return try DeviceAttestation(countersigning: device, accountSignature: DeviceAttestation.accountSignature(for: device, by: primary),
                                     primary: primary.identityKey, companion: pair)
    }
    return try DeviceList(user: user, version: 1, primary: try identity(1, primary.identityKey), companions: companions).signed(by: primary)
}

/// The Crosswire rows of the scenarios in `group` (one group per call, so that engines alternate
/// group by group).
@Sendable nonisolated func crosswireRows(_ group: Set<String>) async throws -> [Row] {
    var rows: [Row] = []
    let p100 = [UInt8](repeating: 0x61, count: 100), p1k = [UInt8](repeating: 0x62, count: 1024)
    if group.contains("setup") {
        rows.append(row("setup", "crosswire", try await timed(20) { _ = try await setup(p100) }))
    }
    if group.contains("record_parse_setup") {
    let (_, _, record) = try await setup(p100)
    rows.append(Row(scenario: "record_bytes_setup", engine: "crosswire", ns: 0, min: 0, max: 0, bytes: record.serialized.count))
    let recordBytes = record.serialized
    var sink = 0
    rows.append(row("record_serialize_setup", "crosswire", try await timed(20000) { sink &+= record.serialized.count }))
    rows.append(row("record_parse_setup", "crosswire", try await timed(20000) { sink &+= try SessionRecord(serialized: recordBytes).archived.count }))
    precondition(sink >= 0)
    }
    // The cross-app layer around a 100-byte message: the envelope a relay routes, the padded content
    // inside the ciphertext, and a signed device list of three devices (five XEdDSA verifications).
    if group.contains("envelope_encode") {
        let (alice, _) = try await steadyState()
        var record = alice
        let message = try record.encrypt(p100)
        let from = try DeviceAddress(parsing: "whatsapp:alice/2"), to = try DeviceAddress(parsing: "messenger:bob/1")
        let id = MessageID.random()
        let envelope = try Envelope(message, from: from, to: to, messageID: id).stamped(at: 1_764_590_400_000)
        let bytes = envelope.serialized
        var sink = 0
        rows.append(row("envelope_encode", "crosswire", try await timed(20000) { sink &+= envelope.serialized.count }))
        rows.append(row("envelope_decode", "crosswire", try await timed(20000) { sink &+= try Envelope(serialized: bytes).ciphertext.count }))
        rows.append(Row(scenario: "envelope_bytes_100", engine: "crosswire", ns: 0, min: 0, max: 0, bytes: bytes.count))
        let signalBytes = message.serialized
        rows.append(row("signal_message_parse", "crosswire", try await timed(20000) { sink &+= try SignalMessage(serialized: signalBytes).counter == 0 ? 0 : 1 }))
        let content = try Content.text(String(repeating: "a", count: 100), at: 1_764_590_400_000)
        let padded = content.padded
        rows.append(row("content_encode_pad", "crosswire", try await timed(20000) { sink &+= content.padded.count }))
        rows.append(row("content_unpad_decode", "crosswire", try await timed(20000) { sink &+= try Content(padded: padded).body.count }))
        let list = try benchmarkDeviceList()
        let user = try UserAddress(parsing: "whatsapp:alice")
        rows.append(row("device_list_verify_3", "crosswire", try await timed(200) { sink &+= try list.verified(for: user).devices.count }))
        precondition(sink >= 0)
    }
    // Sesame fan-out: one padded content encrypted for every device of a recipient (in one store, one
    // transaction per device as the client does), each put in its envelope.
    if group.contains("fanout_1") {
        let content = try Content.text(String(repeating: "a", count: 100), at: 1_764_590_400_000).padded
        let from = try DeviceAddress(parsing: "whatsapp:alice/1")
        for count in [1, 4, 16, 64] {
            let store = InMemorySignalProtocolStore(identity: .generate(), registrationID: RegistrationID(rawValue: 1)!)
            var devices: [DeviceAddress] = []
            for id in 1...count {
                let (record, _) = try await steadyState()
                let device = try DeviceAddress(parsing: "messenger:bob/\(id)")
                try await store.transaction(.device) { t in try t.storeSession(record, for: device.protocolAddress) }
                devices.append(device)
            }
            let messageID = MessageID.random()
            var sink = 0
            let timing = try await timed(max(20, 2000 / count)) {
                for device in devices {
                    let message = try await SessionCipher(store: store, address: device.protocolAddress).encrypt(content)
                    sink &+= try Envelope(message, from: from, to: device, messageID: messageID).serialized.count
                }
            }
            precondition(sink > 0)
            rows.append(row("fanout_\(count)", "crosswire", timing))
            rows.append(Row(scenario: "fanout_\(count)_per_device", engine: "crosswire", ns: timing.median / Double(count),
                            min: timing.min / Double(count), max: timing.max / Double(count), allocs: timing.allocs / Double(count)))
        }
    }
    // Sealed sender around a 162-byte SignalMessage: v1 per recipient, v2 once for N recipients.
    if group.contains("sealed_v1_seal") {
        let sender = IdentityKeyPair.generate(), root = ECKeyPair.generate(), server = ECKeyPair.generate()
        let certificate = SenderCertificate(senderUUID: "whatsapp:alice", senderDevice: DeviceID(2), expiration: 1 << 50, identityKey: sender.identityKey,
                                            signer: ServerCertificate(keyID: 1, key: server.publicKey, trustRoot: root.privateKey),
                                            serverKey: server.privateKey)
        let content = UnidentifiedSenderMessageContent(type: .signal, senderCertificate: certificate, content: [0x33] + [UInt8](repeating: 7, count: 161))
        let recipients = (1...64).map { i in (IdentityKeyPair.generate(), i) }
        let targets = try recipients.map { pair, i throws in
            SealedSenderV2.Recipient(device: try DeviceAddress(parsing: "messenger:bob/\(i)"), registrationID: RegistrationID(rawValue: UInt32(i))!,
                                     identityKey: pair.identityKey)
        }
        let v1 = try SealedSenderV1.seal(content, from: sender, to: recipients[0].0.identityKey)
        var sink = 0
        rows.append(row("sealed_v1_seal", "crosswire", try await timed(500) {
            sink &+= try SealedSenderV1.seal(content, from: sender, to: recipients[0].0.identityKey).count
        }))
        rows.append(row("sealed_v1_open", "crosswire", try await timed(500) {
            let opened = try SealedSenderV1.open(v1, recipient: recipients[0].0)
            try opened.senderCertificate.validate(trustRoot: root.publicKey, at: 0)
            sink &+= opened.content.count
        }))
        for count in [1, 16, 64] {
            rows.append(row("sealed_v2_seal_\(count)", "crosswire", try await timed(max(10, 500 / count)) {
                sink &+= try SealedSenderV2.seal(content, from: sender, to: Array(targets.prefix(count))).count
            }))
            rows.append(row("sealed_v1_seal_x\(count)", "crosswire", try await timed(max(10, 500 / count)) {
                for (pair, _) in recipients.prefix(count) { sink &+= try SealedSenderV1.seal(content, from: sender, to: pair.identityKey).count }
            }))
        }
        let received = try SealedSenderV2.receivedForms(of: try SealedSenderV2.seal(content, from: sender, to: [targets[0]]))[0].received
        rows.append(row("sealed_v2_open", "crosswire", try await timed(500) {
            let opened = try SealedSenderV2.open(received, recipient: recipients[0].0)
            try opened.senderCertificate.validate(trustRoot: root.publicKey, at: 0)
            sink &+= opened.content.count
        }))
        precondition(sink > 0)
    }
    // What a store that persists every message pays: parse, step, serialize, per message.
    if group.contains("encrypt_100_persisted") {
        let (alice, bob) = try await steadyState()
        var aliceBytes = alice.serialized, bobBytes = bob.serialized
        var sent: [SignalMessage] = []
        rows.append(row("encrypt_100_persisted", "crosswire", try await timed(2000) {
            var record = try SessionRecord(serialized: aliceBytes)
            guard case .signal(let m) = try record.encrypt(p100) else { fatalError("expected a SignalMessage") }
            sent.append(m)
            aliceBytes = record.serialized
        }))
        var next = 0
        rows.append(row("decrypt_100_persisted", "crosswire", try await timed(2000) {
            var record = try SessionRecord(serialized: bobBytes)
            _ = try record.decrypt(sent[next])
            next += 1
            bobBytes = record.serialized
        }))
    }
    for (name, payload) in [("100", p100), ("1k", p1k)] where group.contains("encrypt_\(name)") {
        var (alice, bob) = try await steadyState()
        // The messages Bob decrypts are made first, untimed; the timed encryptions follow on the same
        // chain, each message living until the next, as when it is handed to the network (keeping every
        // timed one alive would time fresh pages, not the engine).
        var messages: [SignalMessage] = []
        for _ in 0..<(2000 * (reps + 1)) {
            guard case .signal(let m) = try alice.encrypt(payload) else { fatalError("expected a SignalMessage") }
            messages.append(m)
        }
        var last: SignalMessage?
        rows.append(row("encrypt_\(name)", "crosswire", try await timed(2000) {
            guard case .signal(let m) = try alice.encrypt(payload) else { fatalError("expected a SignalMessage") }
            last = m
        }))
        if name == "100" {
            rows.append(Row(scenario: "wire_bytes_100", engine: "crosswire", ns: 0, min: 0, max: 0, bytes: messages[0].serialized.count))
        }
        var index = 0
        rows.append(row("decrypt_\(name)", "crosswire", try await timed(2000) {
            let plaintext = try bob.decrypt(messages[index])
            precondition(plaintext == payload)
            index += 1
        }))
    }
    if group.contains("pingpong") {
        var (alice, bob) = try await steadyState()
        rows.append(row("pingpong", "crosswire", try await timed(100) {
            guard case .signal(let a) = try alice.encrypt(p100) else { fatalError() }
            _ = try bob.decrypt(a)
            guard case .signal(let b) = try bob.encrypt(p100) else { fatalError() }
            _ = try alice.decrypt(b)
        }).halvedPerMessage)
    }
    if group.contains("ooo_decrypt") {
    var oooSamples: [Double] = []
    for _ in 0...reps {
        var (sender, receiver) = try await steadyState()
        var batch: [SignalMessage] = []
        for _ in 0..<1000 { guard case .signal(let m) = try sender.encrypt(p100) else { fatalError() }; batch.append(m) }
        let start = now()
        for message in batch.reversed() {
            let plaintext = try receiver.decrypt(message)
            precondition(plaintext == p100)
        }
        oooSamples.append(Double(now() - start) / 1000)
    }
    oooSamples.removeFirst()
    oooSamples.sort()
    rows.append(Row(scenario: "ooo_decrypt", engine: "crosswire", ns: oooSamples[oooSamples.count / 2], min: oooSamples.first!, max: oooSamples.last!))
    }
    guard group.contains("group_encrypt_100") else { return rows }

    let groupID = [UInt8](repeating: 3, count: 16)
    let sender = peer("sender"), member = peer("member")
    let senderCipher = GroupCipher(store: sender.store, localAddress: sender.address)
    let memberCipher = GroupCipher(store: member.store, localAddress: member.address)
    try await memberCipher.process(try await senderCipher.distributionMessage(for: groupID).serialized, from: sender.address, groupID: groupID)
    var groupMessages: [[UInt8]] = []
    rows.append(row("group_encrypt_100", "crosswire", try await timed(500) {
        groupMessages.append(try await senderCipher.encrypt(p100, groupID: groupID).serialized)
    }))
    var groupIndex = 0
    rows.append(row("group_decrypt_100", "crosswire", try await timed(500) {
        let plaintext = try await memberCipher.decrypt(groupMessages[groupIndex], from: sender.address, groupID: groupID)
        precondition(plaintext == p100)
        groupIndex += 1
    }))
    return rows
}


// MARK: Primitive floor

/// X25519 through BoringSSL (the fastest here), with key objects built as the operation needs them.
func x25519KeyPair() -> (Curve25519.KeyAgreement.PrivateKey, Curve25519.KeyAgreement.PublicKey) {
    let key = Curve25519.KeyAgreement.PrivateKey()
    return (key, key.publicKey)
}

@Sendable nonisolated func floorRows(_ group: Set<String>) async throws -> [Row] {
    var rows: [Row] = []
    let p100 = [UInt8](repeating: 0x61, count: 100), p1k = [UInt8](repeating: 0x62, count: 1024)
    var out = [UInt8](repeating: 0, count: 2048)
    var edPublic = [UInt8](repeating: 0, count: 32), edSecret = [UInt8](repeating: 0, count: 64)
    cw_sodium_ed25519_keypair(&edPublic, &edSecret)
    var signature = [UInt8](repeating: 0, count: 64)
    let (peerKey, peerPublic) = x25519KeyPair()
    let salt = [UInt8](repeating: 7, count: 32)
    var root = [UInt8](repeating: 0, count: 64)
    func dh() -> [UInt8] { (try! peerKey.sharedSecretFromKeyAgreement(with: peerPublic)).withUnsafeBytes { Array($0) } }
    func keygen() -> Curve25519.KeyAgreement.PublicKey { Curve25519.KeyAgreement.PrivateKey().publicKey }
    func ratchetStep() {
        _ = keygen()
        cw_floor_root_step(salt, dh(), &root)
        cw_floor_root_step(salt, dh(), &root)
    }
    for (name, payload) in [("100", p100), ("1k", p1k)] where group.contains("encrypt_\(name)") {
        rows.append(row("encrypt_\(name)", "floor", await timed(5000) { cw_floor_encrypt(payload, Int32(payload.count), &out) }))
        let padded = (payload.count / 16 + 1) * 16
        rows.append(row("decrypt_\(name)", "floor", await timed(5000) { cw_floor_decrypt(out, Int32(padded), &out) }))
    }
    // Ping-pong, per message: the sender's symmetric work, and the receiver's DH ratchet step (new key,
    // two agreements, two root KDFs) plus its symmetric work.
    if group.contains("pingpong") {
        rows.append(row("pingpong", "floor", await timed(200) {
            cw_floor_encrypt(p100, 100, &out)
            ratchetStep()
            cw_floor_decrypt(out, 112, &out)
        }))
    }
    // Setup: Bob makes identity, signed and one-time prekeys and signs; Alice verifies, makes base and
    // ratchet keys, runs 4 agreements + the ratchet agreement and encrypts; Bob runs 4 agreements, a DH
    // ratchet step and decrypts.
    if group.contains("setup") {
    rows.append(row("setup", "floor", await timed(50) {
        for _ in 0..<3 { _ = keygen() }
        cw_sodium_ed25519_sign(&signature, edPublic, 32, edSecret)
        _ = cw_sodium_ed25519_verify(signature, edPublic, 32, edPublic)
        for _ in 0..<2 { _ = keygen() }
        for _ in 0..<5 { _ = dh() }
        cw_floor_root_step(salt, dh(), &root)
        cw_floor_encrypt(p100, 100, &out)
        for _ in 0..<4 { _ = dh() }
        cw_floor_root_step(salt, dh(), &root)
        ratchetStep()
        cw_floor_decrypt(out, 112, &out)
    }))
    }
    var keys = [UInt8](repeating: 0, count: 48)
    let fresh = cw_ossl_cbc_new()
    if group.contains("group_encrypt_100") {
    rows.append(row("group_encrypt_100", "floor", await timed(2000) {
        cw_floor_group_keys(&keys)
        _ = cw_ossl_cbc_encrypt(fresh, &out, p100, 100, Array(keys[16..<48]), keys)
        cw_sodium_ed25519_sign(&signature, out, 112 + 12, edSecret)
    }))
    rows.append(row("group_decrypt_100", "floor", await timed(2000) {
        _ = cw_sodium_ed25519_verify(signature, out, 112 + 12, edPublic)
        cw_floor_group_keys(&keys)
        _ = cw_ossl_cbc_decrypt(fresh, &out, out, 112, Array(keys[16..<48]), keys)
    }))
    }
    // Out of order (1000 in reverse), per message: the chain steps to reach the end once (amortised:
    // one step per message), then one message's keys and decryption.
    if group.contains("ooo_decrypt") {
        rows.append(row("ooo_decrypt", "floor", await timed(5000) {
            cw_floor_group_keys(&keys)
            cw_floor_decrypt(out, 112, &out)
        }))
    }
    return rows
}

// MARK: Peer engines

/// The peer engines' rows of `group`: one run of the C program per group, one measured repetition
/// after its warm-up, so that peers alternate with Crosswire and the floor repetition by repetition.
func engineRows(_ group: [String]) throws -> [Row] {
    let engines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("engines")
    let peerScenarios = group.filter { peerEngineScenarios.contains($0) }
    guard !peerScenarios.isEmpty else { return [] }
    let run = Process()
    run.executableURL = engines.appendingPathComponent("crosswire-engines")
    run.arguments = ["--json", "--reps", "1", "--scenario", peerScenarios.joined(separator: ",")]
    let pipe = Pipe()
    run.standardOutput = pipe
    try run.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    run.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let scenario = object["scenario"] as? String, let engine = object["engine"] as? String else { return nil }
        return Row(scenario: scenario, engine: engine, ns: object["ns_per_op"] as? Double ?? 0,
                   min: object["min_ns"] as? Double ?? 0, max: object["max_ns"] as? Double ?? 0,
                   bytes: object["bytes"] as? Int, note: object["note"] as? String)
    }
}

/// Builds the C program once (make is a no-op when it is up to date).
func buildEngines() throws {
    let engines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("engines")
    let make = Process()
    make.executableURL = URL(fileURLWithPath: "/usr/bin/make")
    make.arguments = ["-s", "-C", engines.path]
    try make.run()
    make.waitUntilExit()
    guard make.terminationStatus == 0 else {
        throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "make -C engines failed (apt: libsignal-protocol-c-dev libolm-dev libssl-dev)"])
    }
}

/// What the C program measures.
let peerEngineScenarios: Set<String> = [
    "setup", "encrypt_100", "decrypt_100", "encrypt_1k", "decrypt_1k", "pingpong", "group_encrypt_100", "group_decrypt_100",
    "ooo_decrypt", "record_bytes_setup", "wire_bytes_100", "encrypt_100_store", "decrypt_100_store", "encrypt_100_persisted",
    "decrypt_100_persisted",
]

// MARK: Report

/// Scenarios measured together (one session serves both directions); each round runs every group on
/// Crosswire, the floor, the stores and the peer engines back to back, one repetition each.
let groups: [[String]] = [
    ["setup"], ["encrypt_100", "decrypt_100", "wire_bytes_100"], ["encrypt_1k", "decrypt_1k"], ["pingpong"],
    ["group_encrypt_100", "group_decrypt_100"], ["ooo_decrypt"],
    ["record_bytes_setup", "record_serialize_setup", "record_parse_setup"], ["encrypt_100_persisted", "decrypt_100_persisted"],
    ["encrypt_100_store", "decrypt_100_store", "store_transaction_empty", "store_transaction_load_save"], ["encrypt_100_store_main", "decrypt_100_store_main"],
    ["encrypt_100_sqlite", "decrypt_100_sqlite", "encrypt_100_sqlite_normal", "decrypt_100_sqlite_normal", "sqlite_commit_full", "sqlite_commit_normal"],
    ["envelope_encode", "envelope_decode", "envelope_bytes_100", "signal_message_parse", "content_encode_pad", "content_unpad_decode", "device_list_verify_3"],
    ["fanout_1", "fanout_1_per_device", "fanout_4", "fanout_4_per_device", "fanout_16", "fanout_16_per_device", "fanout_64", "fanout_64_per_device"],
    ["sealed_v1_seal", "sealed_v1_open", "sealed_v2_open", "sealed_v2_seal_1", "sealed_v1_seal_x1", "sealed_v2_seal_16", "sealed_v1_seal_x16", "sealed_v2_seal_64", "sealed_v1_seal_x64"],
]

var perRound: [[Row]] = []
var storeFailure: String?, engineFailure: String?
do { try buildEngines() } catch { engineFailure = "\(error)" }
for _ in 0..<rounds {
    var round: [Row] = []
    for group in groups {
        let wanted = Set(group)
        round += try await Task.detached { try await crosswireRows(wanted) }.value
        round += try await Task.detached { try await floorRows(wanted) }.value
        do {
            round += try await storeRows(wanted)
            if wanted.contains("encrypt_100_store_main") { round += try await mainActorRows() }
        } catch {
            storeFailure = "\(error)"
        }
        if engineFailure == nil {
            do {
                round += try engineRows(group)
            } catch {
                engineFailure = "\(error)"
            }
        }
    }
    perRound.append(round)
}
if let storeFailure { print("store rows not measured: \(storeFailure)") }
if let engineFailure { print("peer engines not measured: \(engineFailure)") }

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// One row per (scenario, engine): the median over rounds, the extremes of all repetitions.
let all: [Row] = perRound[0].map { first in
    let same = perRound.compactMap { $0.first { $0.scenario == first.scenario && $0.engine == first.engine } }
    return Row(scenario: first.scenario, engine: first.engine, ns: median(same.map(\.ns)),
               min: same.map(\.min).min() ?? first.min, max: same.map(\.max).max() ?? first.max, bytes: first.bytes, note: first.note,
               allocs: first.allocs.map { _ in median(same.compactMap(\.allocs)) })
}

/// `a / b` per round for one scenario: median, min, max (nil when either engine is missing).
@MainActor func roundRatio(_ scenario: String, _ a: String, _ b: String) -> (Double, Double, Double)? {
    roundRatio((scenario, a), (scenario, b))
}

/// The same across scenarios: row `a` over row `b` of the same round.
@MainActor func roundRatio(_ a: (String, String), _ b: (String, String)) -> (Double, Double, Double)? {
    let ratios: [Double] = perRound.compactMap { round in
        guard let x = round.first(where: { $0.scenario == a.0 && $0.engine == a.1 }),
              let y = round.first(where: { $0.scenario == b.0 && $0.engine == b.1 }) else { return nil }
        let num = x.bytes.map(Double.init) ?? x.ns, den = y.bytes.map(Double.init) ?? y.ns
        return den > 0 ? num / den : nil
    }
    guard !ratios.isEmpty else { return nil }
    return (median(ratios), ratios.min()!, ratios.max()!)
}

let scenarios = ["setup", "encrypt_100", "decrypt_100", "encrypt_1k", "decrypt_1k", "pingpong", "group_encrypt_100",
                 "group_decrypt_100", "ooo_decrypt", "record_bytes_setup", "wire_bytes_100",
                 "record_serialize_setup", "record_parse_setup", "encrypt_100_persisted", "decrypt_100_persisted",
                 "encrypt_100_store", "decrypt_100_store", "store_transaction_empty", "store_transaction_load_save", "encrypt_100_store_main", "decrypt_100_store_main", "encrypt_100_sqlite", "decrypt_100_sqlite",
                 "encrypt_100_sqlite_normal", "decrypt_100_sqlite_normal", "sqlite_commit_full", "sqlite_commit_normal",
                 "envelope_encode", "envelope_decode", "envelope_bytes_100", "signal_message_parse", "content_encode_pad", "content_unpad_decode",
                 "device_list_verify_3", "fanout_1", "fanout_1_per_device", "fanout_4", "fanout_4_per_device", "fanout_16",
                 "fanout_16_per_device", "fanout_64", "fanout_64_per_device", "sealed_v1_seal", "sealed_v1_open", "sealed_v2_open", "sealed_v2_seal_1", "sealed_v1_seal_x1", "sealed_v2_seal_16", "sealed_v1_seal_x16", "sealed_v2_seal_64", "sealed_v1_seal_x64"]
if jsonOutput {
    for r in all {
        var fields = "\"scenario\":\"\(r.scenario)\",\"engine\":\"\(r.engine)\",\"ns_per_op\":\(Int(r.ns)),\"min_ns\":\(Int(r.min)),\"max_ns\":\(Int(r.max))"
        if let bytes = r.bytes { fields += ",\"bytes\":\(bytes)" }
        if let note = r.note { fields += ",\"note\":\"\(note)\"" }
        if let allocs = r.allocs { fields += ",\"allocs_per_op\":" + String(format: "%.2f", allocs) }
        if r.engine == "crosswire" {
            for (other, key) in [("floor", "floor"), ("libsignal-c", "libsignal_c"), ("libolm", "libolm")] {
                let ratio = other == "floor" ? roundRatio(r.scenario, "crosswire", other) : roundRatio(r.scenario, other, "crosswire")
                if let (med, lo, hi) = ratio {
                    let name = other == "floor" ? "ratio_to_floor" : "ratio_\(key)_to_crosswire"
                    fields += ",\"\(name)\":" + String(format: "%.3f", med) + ",\"\(name)_min\":" + String(format: "%.3f", lo)
                        + ",\"\(name)_max\":" + String(format: "%.3f", hi)
                }
            }
            fields += ",\"rounds\":\(rounds)"
        }
        print("{\(fields)}")
    }
} else {
    func cell(_ r: Row?) -> String {
        guard let r else { return "-" }
        if let bytes = r.bytes { return "\(bytes) B" }
        return r.ns >= 100_000 ? String(format: "%.0f µs", r.ns / 1000) : String(format: "%.2f µs", r.ns / 1000)
    }
    func ratio(_ scenario: String, _ a: String, _ b: String) -> String {
        guard let (med, lo, hi) = roundRatio(scenario, a, b) else { return "-" }
        return rounds > 1 ? String(format: "%.2f× (%.2f–%.2f)", med, lo, hi) : String(format: "%.2f×", med)
    }
    print(pad("scenario", 24) + pad("crosswire", 12, right: true) + pad("floor", 12, right: true) + pad("libsignal-c", 13, right: true)
          + pad("libolm", 12, right: true) + pad("cw/floor", 22, right: true) + pad("sig-c/cw", 22, right: true) + pad("olm/cw", 22, right: true)
          + pad("allocs", 8, right: true) + "  spread (crosswire)")
    for scenario in scenarios {
        func find(_ engine: String) -> Row? { all.first { $0.scenario == scenario && $0.engine == engine } }
        let cw = find("crosswire"), fl = find("floor"), sc = find("libsignal-c"), ol = find("libolm")
        let spread = cw.map { $0.bytes == nil ? String(format: "%.2f–%.2f µs", $0.min / 1000, $0.max / 1000) : "" } ?? ""
        print(pad(scenario, 24) + pad(cell(cw), 12, right: true) + pad(cell(fl), 12, right: true) + pad(cell(sc), 13, right: true)
              + pad(cell(ol), 12, right: true) + pad(ratio(scenario, "crosswire", "floor"), 22, right: true)
              + pad(ratio(scenario, "libsignal-c", "crosswire"), 22, right: true)
              + pad(ratio(scenario, "libolm", "crosswire"), 22, right: true)
              + pad(cw?.allocs.map { String(format: "%.1f", $0) } ?? "-", 8, right: true) + "  " + spread)
    }
    for r in all where r.note != nil { print("note [\(r.engine) \(r.scenario)]: \(r.note!)") }
    // Issue 13's goals, as per-round ratios (median, min–max).
    print("\ngoals (median of per-round ratios, min–max):")
    let goals: [(String, (String, String), (String, String), Double, Bool)] = [
        ("encrypt_100_store: libsignal-c / crosswire ≥ 2", ("encrypt_100_store", "libsignal-c"), ("encrypt_100_store", "crosswire"), 2, true),
        ("decrypt_100_store: libsignal-c / crosswire ≥ 2", ("decrypt_100_store", "libsignal-c"), ("decrypt_100_store", "crosswire"), 2, true),
        ("encrypt_100_persisted: libsignal-c _store / crosswire ≥ 1.3", ("encrypt_100_store", "libsignal-c"), ("encrypt_100_persisted", "crosswire"), 1.3, true),
        ("decrypt_100_persisted: libsignal-c _store / crosswire ≥ 1.3", ("decrypt_100_store", "libsignal-c"), ("decrypt_100_persisted", "crosswire"), 1.3, true),
        ("encrypt_100: crosswire / floor ≤ 1.3", ("encrypt_100", "crosswire"), ("encrypt_100", "floor"), 1.3, false),
        ("decrypt_100: crosswire / floor ≤ 1.3", ("decrypt_100", "crosswire"), ("decrypt_100", "floor"), 1.3, false),
        ("encrypt_1k: crosswire / floor ≤ 1.3", ("encrypt_1k", "crosswire"), ("encrypt_1k", "floor"), 1.3, false),
        ("decrypt_1k: crosswire / floor ≤ 1.3", ("decrypt_1k", "crosswire"), ("decrypt_1k", "floor"), 1.3, false),
        ("encrypt_100: libsignal-c / crosswire ≥ 2.5", ("encrypt_100", "libsignal-c"), ("encrypt_100", "crosswire"), 2.5, true),
        ("decrypt_100: libsignal-c / crosswire ≥ 2.5", ("decrypt_100", "libsignal-c"), ("decrypt_100", "crosswire"), 2.5, true),
    ]
    for (label, a, b, bound, atLeast) in goals {
        guard let (med, lo, hi) = roundRatio(a, b) else { print("  \(label): not measured"); continue }
        let met = atLeast ? med >= bound : med <= bound
        print("  " + pad(label, 62) + String(format: "%.2f× (%.2f–%.2f)  ", med, lo, hi) + (met ? "met" : "NOT met"))
    }
    for (label, scenario, bound) in [("record_parse_setup ≤ 0.7 µs", "record_parse_setup", 700.0), ("record_serialize_setup ≤ 0.4 µs", "record_serialize_setup", 400.0)] {
        guard let r = all.first(where: { $0.scenario == scenario && $0.engine == "crosswire" }) else { continue }
        print("  " + pad(label, 62) + String(format: "%.2f µs  ", r.ns / 1000) + (r.ns <= bound ? "met" : "NOT met"))
    }
}
