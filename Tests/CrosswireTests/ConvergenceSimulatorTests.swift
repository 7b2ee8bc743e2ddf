@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import PropertyBased
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// Two devices and a hostile network driven by a schedule of events: send, deliver, drop, duplicate,
/// reorder, tamper, snapshot and restore of a device's records, restart from serialized state.
/// Properties: every genuine message decrypts exactly once (unless the receiver legitimately dropped its
/// chain); tampered and duplicate deliveries fail with a typed error and change nothing; both devices
/// can always talk again at the end.
struct ConvergenceSimulator {
    enum Event: CustomStringConvertible {
        case send(Int), deliver(Int), drop(Int), duplicate(Int), reorder(Int), tamper(Int, Int), snapshot(Int), restore(Int), restart(Int)

        init(code: Int) {
            let parameter = code / 9
            switch code % 9 {
            case 0, 1: self = .send(code % 2 == 0 ? 0 : 1)
            case 2: self = .deliver(parameter)
            case 3: self = .drop(parameter)
            case 4: self = .duplicate(parameter)
            case 5: self = .reorder(parameter)
            case 6: self = .tamper(parameter, parameter * 7919)
            case 7: self = parameter % 2 == 0 ? .snapshot(parameter / 2 % 2) : .restore(parameter / 2 % 2)
            default: self = .restart(parameter % 2)
            }
        }

        var description: String {
            switch self {
            case .send(let p): "send(\(p))"
            case .deliver(let i): "deliver(\(i))"
            case .drop(let i): "drop(\(i))"
            case .duplicate(let i): "duplicate(\(i))"
            case .reorder(let i): "reorder(\(i))"
            case .tamper(let i, let b): "tamper(\(i), \(b))"
            case .snapshot(let p): "snapshot(\(p))"
            case .restore(let p): "restore(\(p))"
            case .restart(let p): "restart(\(p))"
            }
        }
    }

    struct InFlight {
        let id: Int
        let from: Int
        let kind: MessageKind
        let bytes: [UInt8]
        let plaintext: [UInt8]
        let tampered: Bool
        let ratchetKey: [UInt8]
    }

    let devices: [Device]
    var network: [InFlight] = []
    var nextID = 0
    /// Message ids each device has decrypted.
    var decrypted: [Set<Int>] = [[], []]
    /// Ratchet keys each device has ever received on (to recognise legitimately expired chains).
    var seenKeys: [Set<[UInt8]>] = [[], []]
    var snapshots: [InMemorySignalProtocolStore.Snapshot?] = [nil, nil]
    /// Whether the device changed since its snapshot (only an unchanged device may be restored to it).
    var changedSinceSnapshot = [true, true]
    var log: [String] = []
    /// What the schedule exercised: decrypted, refused tampered, refused duplicate, restores, restarts.
    var stats = [String: Int]()

    init(seed: UInt64) async throws {
        let alice = Device("alice", seed: seed * 2 + 1), bob = Device("bob", seed: seed * 2 + 2)
        try await alice.cipher(for: bob).process(try await bob.bundle())
        devices = [alice, bob]
    }

    mutating func run(_ events: [Event]) async throws {
        for event in events { try await apply(event) }
        try await converge()
    }

    mutating func apply(_ event: Event) async throws {
        log.append(event.description)
        switch event {
        case .send(let from):
            try await send(from: from)
        case .deliver(let index):
            guard !network.isEmpty else { return }
            try await deliver(network.remove(at: index % network.count))
        case .drop(let index):
            guard !network.isEmpty else { return }
            network.remove(at: index % network.count)
        case .duplicate(let index):
            guard !network.isEmpty else { return }
            network.append(network[index % network.count])
        case .reorder(let index):
            guard !network.isEmpty else { return }
            network.append(network.remove(at: index % network.count))
        case .tamper(let index, let byte):
            guard !network.isEmpty else { return }
            let original = network[index % network.count]
            var bytes = original.bytes
            bytes[byte % bytes.count] ^= UInt8(1 << (byte % 8))
            network.append(InFlight(id: original.id, from: original.from, kind: original.kind, bytes: bytes,
                                    plaintext: original.plaintext, tampered: true, ratchetKey: original.ratchetKey))
        case .snapshot(let party):
            snapshots[party] = await devices[party].store.snapshot()
            changedSinceSnapshot[party] = false
        case .restore(let party):
            guard let snapshot = snapshots[party], !changedSinceSnapshot[party] else { return }
            await devices[party].store.restore(snapshot)
            stats["restored", default: 0] += 1
        case .restart(let party):
            stats["restarted", default: 0] += 1
            // Serialize every record and load it back, as after an app restart.
            let store = devices[party].store
            try await store.reload(await store.snapshot())
        }
    }

    mutating func send(from: Int) async throws {
        guard await devices[from].record(for: devices[1 - from]) != nil else { return }  // Bob cannot send first
        let plaintext = Array("m\(nextID) from \(from)".utf8)
        let message = try await devices[from].cipher(for: devices[1 - from]).encrypt(plaintext)
        changedSinceSnapshot[from] = true
        let inner: SignalMessage
        switch message {
        case .signal(let m): inner = m
        case .preKey(let m): inner = m.message
        }
        network.append(InFlight(id: nextID, from: from, kind: message.kind, bytes: message.serialized,
                                plaintext: plaintext, tampered: false, ratchetKey: inner.ratchetKey))
        nextID += 1
    }

    mutating func deliver(_ message: InFlight) async throws {
        let to = 1 - message.from
        let receiver = devices[to]
        let before = await receiver.store.snapshot()
        let keptKeys = Set((await receiver.record(for: devices[message.from]))?.current?.receivingChains.map { $0.ratchetKey.serialized } ?? [])
        do {
            let plaintext = try await receiver.cipher(for: devices[message.from]).decrypt(message.bytes, kind: message.kind)
            // Success: a genuine first delivery, or a tampered copy that only changed unauthenticated bytes.
            #expect(plaintext == message.plaintext, "wrong plaintext; schedule \(log)")
            #expect(!decrypted[to].contains(message.id), "message \(message.id) decrypted twice; schedule \(log)")
            decrypted[to].insert(message.id)
            seenKeys[to].insert(message.ratchetKey)
            stats["decrypted", default: 0] += 1
            changedSinceSnapshot[to] = true
        } catch {
            #expect(error is SessionError, "untyped error \(error); schedule \(log)")
            #expect(await receiver.store.snapshot() == before, "a failed delivery changed the store; schedule \(log)")
            let expired = seenKeys[to].contains(message.ratchetKey) && !keptKeys.contains(message.ratchetKey)
            let mayFail = message.tampered || decrypted[to].contains(message.id) || expired
            stats[message.tampered ? "refused tampered" : decrypted[to].contains(message.id) ? "refused duplicate" : "refused expired", default: 0] += 1
            #expect(mayFail, "genuine message \(message.id) failed: \(error); schedule \(log)")
        }
    }

    /// Delivers everything genuine that is still in flight, then both sides must be able to talk.
    mutating func converge() async throws {
        for message in network where !message.tampered && !decrypted[1 - message.from].contains(message.id) {
            try await deliver(message)
        }
        network = []
        for round in 0..<3 {
            for from in [0, 1] {
                guard await devices[from].record(for: devices[1 - from]) != nil else { continue }
                try await send(from: from)
                let message = network.removeLast()
                try await deliver(message)
                #expect(decrypted[1 - from].contains(message.id), "round \(round): no working conversation; schedule \(log)")
            }
        }
    }
}

@Suite("Convergence simulator")
struct ConvergenceSimulatorTests {
    /// A fixed set of seeded schedules (CI): 1000 schedules of 10–60 events.
    @Test("1000 seeded schedules keep every property", arguments: 0..<10)
    func seeded(batch: Int) async throws {
        var totals = [String: Int]()
        defer {
            for key in ["decrypted", "refused tampered", "refused duplicate", "restored", "restarted"] {
                #expect(totals[key, default: 0] > 0, "100 schedules never exercised '\(key)': \(totals)")
            }
        }
        for seed in (batch * 100)..<(batch * 100 + 100) {
            var generator = SeededGenerator(seed: UInt64(seed))
            let events = (0..<Int.random(in: 10...60, using: &generator)).map { _ in
                ConvergenceSimulator.Event(code: Int.random(in: 0..<900, using: &generator))
            }
            var simulator = try await ConvergenceSimulator(seed: UInt64(seed))
            try await simulator.run(events)
            totals.merge(simulator.stats, uniquingKeysWith: +)
        }
    }

    /// Random exploration with shrinking: a failure is reported with the smallest schedule found.
    @Test("random schedules keep every property (property-based, shrinking)", .shrinking)
    func propertyBased() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...899).array(of: 0...40)) { codes in
            var simulator = try await ConvergenceSimulator(seed: UInt64(codes.count))
            try await simulator.run(codes.map(ConvergenceSimulator.Event.init(code:)))
        }
    }
}
