@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// The convergence simulator's cross-app half: three accounts on three apps, devices linked and removed,
/// 1:1 and group sends, a group whose membership changes, and deliveries interleaved across devices
/// (in order per device, as a queue delivers), with duplicated and tampered deliveries mixed in.
/// Properties: every copy a send reported is received exactly once by its device unless that device was
/// removed; no device receives a copy not meant for it; a duplicated or tampered delivery fails with a
/// typed error and changes nothing; at the end everything queued has been read.
struct CrossAppSimulator {
    typealias Client = CrossAppClient<InMemorySignalProtocolStore, InMemoryDeviceDirectory>

    let directory = InMemoryDeviceDirectory(now: Timestamp.now)
    var clients: [DeviceAddress: Client] = [:]
    var primaries: [UserAddress: Client] = [:]
    var expected: [DeviceAddress: [MessageID: Int]] = [:]
    var received: [DeviceAddress: [MessageID: Int]] = [:]
    var delivered: [DeviceAddress: [Envelope]] = [:]
    var removed: Set<DeviceAddress> = []
    var log: [String] = []
    var seedCounter: UInt64
    var rng: SeededGenerator
    var group: GroupID?

    init(seed: UInt64) {
        seedCounter = seed &* 1000
        rng = SeededGenerator(seed: seed)
    }

    mutating func newStore() -> (InMemorySignalProtocolStore, SeededEntropy) {
        seedCounter += 1
        let entropy = SeededEntropy(seed: seedCounter)
        return (InMemorySignalProtocolStore(identity: .generate(using: entropy), registrationID: .generate(using: entropy)), entropy)
    }

    mutating func setUp() async throws {
        for user in ["whatsapp:alice", "messenger:bob", "instagram:carol"] {
            let (store, entropy) = newStore()
            let client = try await Client.registerPrimary(try UserAddress(parsing: user), store: store, directory: directory,
                                                          policy: SesamePolicy(trustRoot: directory.trustRoot), entropy: entropy)
            clients[client.address] = client
            primaries[client.address.user] = client
        }
        let carol = primaries[try UserAddress(parsing: "instagram:carol")]!
        group = try await carol.createGroup(named: "sim", members: Array(primaries.keys))
    }

    mutating func record(_ report: SendReport) {
        for device in report.devices { expected[device, default: [:]][report.messageID, default: 0] += 1 }
    }

    mutating func step() async throws {
        let users = primaries.keys.sorted()
        let devices = clients.keys.sorted()
        switch Int.random(in: 0..<10, using: &rng) {
        case 0...2:
            let from = clients[devices.randomElement(using: &rng)!]!, to = users.randomElement(using: &rng)!
            log.append("send \(from.address) → \(to)")
            record(try await from.send(text: "m\(log.count)", to: to))
        case 3, 4:
            guard let group else { return }
            let from = clients[devices.randomElement(using: &rng)!]!
            // A device that has not received the group's state yet (linked since) cannot send to it.
            guard let state = try? await from.group(group), state.members.contains(from.address.user) else { return }
            log.append("group send from \(from.address)")
            record(try await from.send(text: "g\(log.count)", toGroup: group))
        case 5:
            let primary = primaries[users.randomElement(using: &rng)!]!
            guard try await primary.deviceList(for: primary.address.user).devices.count < 3 else { return }
            let (store, entropy) = newStore()
            let approval = try await primary.approve(try await Client.linkRequest(for: primary.address.user, store: store))
            let (companion, attestation) = try await Client.link(approval, store: store, directory: directory,
                                                                 policy: SesamePolicy(trustRoot: directory.trustRoot), entropy: entropy)
            try await primary.completeLink(attestation)
            try await companion.publishKeys()
            clients[companion.address] = companion
            log.append("link \(companion.address)")
        case 6:
            let primary = primaries[users.randomElement(using: &rng)!]!
            guard let companion = try await primary.deviceList(for: primary.address.user).devices.last(where: { $0.deviceID != DeviceID(1) })
            else { return }
            try await primary.removeDevice(companion.deviceID)
            clients[companion.address] = nil
            removed.insert(companion.address)
            log.append("remove \(companion.address)")
        case 7:
            guard let group else { return }
            let carol = primaries[try UserAddress(parsing: "instagram:carol")]!, bob = try UserAddress(parsing: "messenger:bob")
            if try await carol.group(group).members.contains(bob) {
                try await carol.removeMember(bob, from: group)
                log.append("remove member bob")
            } else {
                try await carol.addMember(bob, to: group)
                log.append("add member bob")
            }
        default:
            let device = devices.randomElement(using: &rng)!
            try await deliver(device, count: Int.random(in: 1...4, using: &rng))
        }
    }

    /// Delivers up to `count` envelopes of `device`'s queue in order; now and then a duplicate or a
    /// tampered copy first, which must fail and change nothing.
    mutating func deliver(_ device: DeviceAddress, count: Int) async throws {
        guard let client = clients[device] else { return }
        for envelope in try await directory.pending(for: device).prefix(count) {
            if Int.random(in: 0..<4, using: &rng) == 0 {
                let bad: Envelope
                // A PreKey message on a session that exists no longer uses its KEM ciphertext (its last
                // bytes), so only the MAC- or signature-ended kinds are tampered.
                if let old = delivered[device]?.last, Bool.random(using: &rng) || envelope.kind == .preKeySignalMessage {
                    // (A sealed envelope ends with its outer MAC, so it is tampered like the others.)
                    bad = old
                } else {
                    var bytes = envelope.ciphertext
                    // The last 8 bytes: a SignalMessage's MAC (also the inner one of a PreKey message) or a
                    // Sender Key signature, so the change is always caught.
                    bytes[bytes.count - 1 - Int.random(in: 0..<8, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                    bad = try Envelope(kind: envelope.kind, recipient: envelope.recipient, sender: envelope.sender,
                                       messageID: envelope.messageID, ciphertext: bytes)
                }
                let before = await client.store.snapshot()
                do {
                    _ = try await client.receive(bad)
                    Issue.record("a duplicate or tampered delivery to \(device) was accepted; schedule \(log)")
                } catch {
                    #expect(await client.store.snapshot() == before, "a refused delivery changed \(device)'s store; schedule \(log)")
                }
            }
            let message: ReceivedMessage
            do {
                message = try await client.receive(envelope)
            } catch {
                // Refused rightly: sent by a device removed before this one ever saw it listed (nothing can
                // vouch for it now), or to the group by a member this device already knows was removed (its
                // sender key refused, then its group message).
                // A sealed envelope names its sender only inside: open it as the recipient would.
                var sender = envelope.sender, innerKind = envelope.kind.messageKind
                if envelope.kind == .sealedSenderV1 {
                    let pair = try await client.store.transaction(.device) { t in try t.identityKeyPair() }
                    let inner = try SealedSenderV1.open(envelope.ciphertext, recipient: pair)
                    sender = try DeviceAddress(user: try UserAddress(parsing: inner.senderCertificate.senderUUID),
                                               device: inner.senderCertificate.senderDevice)
                    innerKind = inner.type.messageKind
                }
                guard let sender else { throw error }
                let removedDevice = error.code == .unknownSenderDevice && removed.contains(sender)
                var removedMember = false
                let groupRefusal = error.code == .unknownGroup || (error.code == .decryptionFailed && innerKind == .senderKey)
                if groupRefusal, let group, let state = try? await client.group(group) {
                    removedMember = !state.members.contains(sender.user)
                }
                guard removedDevice || removedMember else { throw error }
                expected[device]?[envelope.messageID] = nil
                try await directory.acknowledge([envelope.messageID], for: device)
                continue
            }
            #expect(envelope.recipient == device)
            if message.content.type == .text { received[device, default: [:]][message.messageID, default: 0] += 1 }
            delivered[device, default: []].append(envelope)
            try await directory.acknowledge([envelope.messageID], for: device)
        }
    }

    mutating func finish() async throws {
        var progress = true
        while progress {
            progress = false
            for device in clients.keys.sorted() where !(try await directory.pending(for: device)).isEmpty {
                try await deliver(device, count: .max)
                progress = true
            }
        }
        for device in clients.keys {
            #expect((received[device] ?? [:]) == (expected[device] ?? [:]), "\(device) received other copies than were sent; schedule \(log)")
        }
        for device in removed where clients[device] == nil {
            #expect(try await directory.pending(for: device).isEmpty)
        }
    }
}

@Suite("Cross-app convergence simulator", .serialized)
struct CrossAppSimulatorTests {
    static var scale: Double { ProcessInfo.processInfo.environment["CROSSWIRE_SCALE"].flatMap(Double.init) ?? 1 }

    @Test("seeded schedules of sends, group sends, links, removals and deliveries keep every property", arguments: 0..<6)
    func schedules(batch: Int) async throws {
        let runs = max(1, Int(4 * Self.scale))
        for run in 0..<runs {
            var simulator = CrossAppSimulator(seed: UInt64(batch * 100 + run))
            try await simulator.setUp()
            for _ in 0..<max(10, Int(40 * Self.scale)) { try await simulator.step() }
            try await simulator.finish()
        }
    }
}
