import BenchmarkSupport
import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Synchronization

// Session-level timings (release build): setup, steady-state encrypt/decrypt, ping-pong, record size.
// The full engine comparison (libsignal-protocol-c, libolm, primitive floor) is crosswire-compare.

func device(_ name: String) -> (InMemorySignalProtocolStore, ProtocolAddress, IdentityKeyPair) {
    let identity = IdentityKeyPair.generate()
    return (InMemorySignalProtocolStore(identity: identity, registrationID: RegistrationID(rawValue: 7)!), ProtocolAddress(name: name, deviceID: DeviceID(1)), identity)
}

nonisolated(unsafe) var lastPreKeyMessageBytes = 0

/// Alice and Bob with a session in which both have sent and received (steady state).
func conversation(postQuantum: Bool = false) async throws -> (SessionRecord, SessionRecord) {
    let (aliceStore, aliceAddress, _) = device("alice")
    let (bobStore, bobAddress, bobIdentity) = device("bob")
    let signed = SignedPreKey.generate(id: SignedPreKeyID(1), signedBy: bobIdentity, timestamp: 0)
    try await bobStore.storeSignedPreKey(signed)
    var kem: KEMPreKey?
    if postQuantum {
        kem = KEMPreKey.generate(id: KEMPreKeyID(1), signedBy: bobIdentity, timestamp: 0, lastResort: false)
        try await bobStore.storeKEMPreKey(kem!)
    }
    let bundle = try PreKeyBundle(publishing: bobIdentity.identityKey, registrationID: RegistrationID(rawValue: 7)!, deviceID: DeviceID(1),
                                  signedPreKey: signed, kemPreKey: kem)
    let alice = SessionCipher(store: aliceStore, address: bobAddress), bob = SessionCipher(store: bobStore, address: aliceAddress)
    try await alice.process(bundle)
    let first = try await alice.encrypt([UInt8](repeating: 0x61, count: 100))
    lastPreKeyMessageBytes = first.serialized.count
    _ = try await bob.decrypt(first.serialized, kind: first.kind)
    let reply = try await bob.encrypt([2])
    _ = try await alice.decrypt(reply.serialized, kind: reply.kind)
    return (await aliceStore.session(for: bobAddress)!, await bobStore.session(for: aliceAddress)!)
}

func timeBatch(_ count: Int, _ body: () throws -> Void) rethrows -> Double {
    let start = now()
    for _ in 0..<count { try body() }
    return Double(now() - start) / Double(count)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// Collects rows from whatever task measures (the benchmark body runs off the main actor, so actor
/// stores are reached without a thread switch per await).
final class Rows: Sendable {
    private let rows = Mutex<[Measurement]>([])
    func add(_ group: String, _ name: String, _ samples: [Double]) {
        let sorted = samples.sorted()
        rows.withLock { $0.append(Measurement(group: group, name: name, role: .crosswire, nsPerOp: median(samples), minNs: sorted.first!, maxNs: sorted.last!, allocsPerOp: -1)) }
    }
    var all: [Measurement] { rows.withLock { $0 } }
}
let collected = Rows()
func add(_ group: String, _ name: String, _ samples: [Double]) { collected.add(group, name, samples) }

let payload100 = [UInt8](repeating: 0x61, count: 100)
let payload1k = [UInt8](repeating: 0x62, count: 1024)
let payload64k = [UInt8](repeating: 0x63, count: 65536)
let repetitions = 7

@Sendable nonisolated func sessionBenchmarks() async throws {

    // Setup: bundle generation, initiator, first message, responder.
    var setupSamples: [Double] = []
    for _ in 0..<repetitions {
        let start = now()
        for _ in 0..<50 { _ = try await conversation() }
        setupSamples.append(Double(now() - start) / 50)
    }
    add("Session setup (bundle, initiator, first message, responder, reply)", "X3DH (v3), two devices, no one-time prekey", setupSamples)
    let x3dhPreKeyMessage = lastPreKeyMessageBytes
    var pqSamples: [Double] = []
    for _ in 0..<repetitions {
        let start = now()
        for _ in 0..<20 { _ = try await conversation(postQuantum: true) }
        pqSamples.append(Double(now() - start) / 20)
    }
    add("Session setup (bundle, initiator, first message, responder, reply)", "PQXDH (v4): + ML-KEM-1024 keygen, encapsulate, decapsulate", pqSamples)
    let pqxdhPreKeyMessage = lastPreKeyMessageBytes
    print("PreKeySignalMessage with a 100-byte payload: X3DH \(x3dhPreKeyMessage) bytes, PQXDH \(pqxdhPreKeyMessage) bytes")
    print("Bundle public part: X3DH 33 + 33 + 64 (+ 33 one-time) bytes of keys and signature; PQXDH adds 1569 + 64 bytes (KEM prekey, signature)")

    for (label, payload, batch) in [("100 B", payload100, 5000), ("1 KiB", payload1k, 3000), ("64 KiB", payload64k, 100)] {
        var encryptSamples: [Double] = [], decryptSamples: [Double] = []
        for _ in 0..<repetitions {
            var (alice, bob) = try await conversation()
            var messages: [SignalMessage] = []
            messages.reserveCapacity(batch)
            encryptSamples.append(try timeBatch(batch) {
                guard case .signal(let m) = try alice.encrypt(payload) else { fatalError("expected type 2") }
                messages.append(m)
            })
            var index = 0
            decryptSamples.append(try timeBatch(batch) {
                blackHole(try bob.decrypt(messages[index]))
                index += 1
            })
        }
        add("Steady state, \(label)", "encrypt (SessionRecord.encrypt)", encryptSamples)
        add("Steady state, \(label)", "decrypt (SessionRecord.decrypt)", decryptSamples)
    }

    var pingSamples: [Double] = []
    for _ in 0..<repetitions {
        var (alice, bob) = try await conversation()
        pingSamples.append(try timeBatch(400) {
            guard case .signal(let a) = try alice.encrypt(payload100) else { fatalError() }
            blackHole(try bob.decrypt(a))
            guard case .signal(let b) = try bob.encrypt(payload100) else { fatalError() }
            blackHole(try alice.decrypt(b))
        } / 2)
    }
    add("Ping-pong (DH ratchet step every message), 100 B", "encrypt + decrypt per message", pingSamples)

    for gap in [10, 100, 1000] {
        var samples: [Double] = []
        for _ in 0..<repetitions {
            var (alice, bob) = try await conversation()
            var messages: [SignalMessage] = []
            for _ in 0..<gap {
                guard case .signal(let m) = try alice.encrypt(payload100) else { fatalError() }
                messages.append(m)
            }
            var index = gap - 1
            samples.append(try timeBatch(gap) {
                blackHole(try bob.decrypt(messages[index]))
                index -= 1
            })
        }
        add("Out of order: \(gap) messages decrypted in reverse", "per message", samples)
    }

    var (alice, _) = try await conversation()
    let size = alice.serialized.count
    var roundTrip: [Double] = []
    for _ in 0..<repetitions {
        roundTrip.append(try timeBatch(2000) { blackHole(try SessionRecord(serialized: alice.serialized)) })
    }
    add("Session record (\(size) bytes in steady state)", "serialize + deserialize", roundTrip)
    _ = try alice.encrypt(payload100)


}
try await Task.detached(operation: sessionBenchmarks).value

// Groups (Sender Keys, legacy layout), through GroupCipher and the in-memory store.
let groupID: [UInt8] = Array(0..<16)
func groupPair() async throws -> (GroupCipher<InMemorySignalProtocolStore>, GroupCipher<InMemorySignalProtocolStore>, ProtocolAddress) {
    let (senderStore, senderAddress, _) = device("sender")
    let (memberStore, memberAddress, _) = device("member")
    let sender = GroupCipher(store: senderStore, localAddress: senderAddress)
    let member = GroupCipher(store: memberStore, localAddress: memberAddress)
    let distribution = try await sender.distributionMessage(for: groupID)
    try await member.process(distribution.serialized, from: senderAddress, groupID: groupID)
    return (sender, member, senderAddress)
}
/// Off the main actor: store calls then run on the cooperative pool without a thread hop per await
/// (from the main actor every actor call costs two context switches, which would dominate here).
@Sendable nonisolated func groupBenchmarks() async throws -> [(String, String, [Double])] {
    var results: [(String, String, [Double])] = []
    for (label, payload, batch) in [("100 B", payload100, 2000), ("1 KiB", payload1k, 1000)] {
        var encryptSamples: [Double] = [], decryptSamples: [Double] = []
        for _ in 0..<repetitions {
            let (sender, member, senderAddress) = try await groupPair()
            var messages: [[UInt8]] = []
            var start = now()
            for _ in 0..<batch { messages.append(try await sender.encrypt(payload, groupID: groupID).serialized) }
            encryptSamples.append(Double(now() - start) / Double(batch))
            start = now()
            for message in messages { blackHole(try await member.decrypt(message, from: senderAddress, groupID: groupID)) }
            decryptSamples.append(Double(now() - start) / Double(batch))
        }
        results.append(("Group (Sender Keys), \(label)", "encrypt + sign (GroupCipher.encrypt)", encryptSamples))
        results.append(("Group (Sender Keys), \(label)", "verify + decrypt (GroupCipher.decrypt)", decryptSamples))
    }
    var createSamples: [Double] = [], processSamples: [Double] = [], jumpSamples: [Double] = []
    for _ in 0..<repetitions {
        var start = now()
        var distributions: [(SenderKeyDistributionMessage, ProtocolAddress)] = []
        for i in 0..<200 {
            let (store, address, _) = device("s\(i)")
            distributions.append((try await GroupCipher(store: store, localAddress: address).distributionMessage(for: groupID), address))
        }
        createSamples.append(Double(now() - start) / 200)
        let (memberStore, memberAddress, _) = device("member")
        let member = GroupCipher(store: memberStore, localAddress: memberAddress)
        start = now()
        for (distribution, address) in distributions { try await member.process(distribution.serialized, from: address, groupID: groupID) }
        processSamples.append(Double(now() - start) / 200)
        let (sender, receiver, senderAddress) = try await groupPair()
        var last: [UInt8] = []
        for _ in 0...1000 { last = try await sender.encrypt(payload100, groupID: groupID).serialized }
        start = now()
        blackHole(try await receiver.decrypt(last, from: senderAddress, groupID: groupID))
        jumpSamples.append(Double(now() - start))
    }
    results.append(("Group distribution", "create (new sender key, includes identity setup of the bench device)", createSamples))
    results.append(("Group distribution", "process", processSamples))
    results.append(("Group decrypt after a jump of 1000 iterations", "one message (derives and stores 1000 skipped keys)", jumpSamples))


    return results
}
for (group, name, samples) in try await Task.detached(operation: groupBenchmarks).value { add(group, name, samples) }

// Throughput of many independent sessions (a server-side fan-out): each worker owns its sessions and
// runs encrypt + decrypt pairs; 1 worker vs 2 workers on this 2-core machine.
@Sendable nonisolated func throughput(workers: Int) async throws -> Double {
    let perWorker = 20_000
    var pairs: [(SessionRecord, SessionRecord)] = []
    for _ in 0..<(workers * 4) { pairs.append(try await conversation()) }
    let start = now()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<workers {
            let mine = Array(pairs[(worker * 4)..<(worker * 4 + 4)])
            group.addTask {
                var sessions = mine
                for i in 0..<perWorker {
                    let k = i % sessions.count
                    guard case .signal(let m) = try sessions[k].0.encrypt(payload100) else { fatalError() }
                    blackHole(try sessions[k].1.decrypt(m))
                }
            }
        }
        try await group.waitForAll()
    }
    return Double(workers * perWorker) / (Double(now() - start) / 1e9)
}
let one = try await Task.detached { try await throughput(workers: 1) }.value
let two = try await Task.detached { try await throughput(workers: 2) }.value
print("Throughput, encrypt + decrypt of 100 B on independent sessions: 1 worker \(Int(one))/s, 2 workers \(Int(two))/s (\(String(format: "%.2f", two / one))×)")

printTable(collected.all, json: CommandLine.arguments.contains("--json"))
