@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// Users on three apps with several devices each, on one in-memory directory.
actor CrossAppWorld {
    typealias Client = CrossAppClient<InMemorySignalProtocolStore, InMemoryDeviceDirectory>

    let directory = InMemoryDeviceDirectory(now: { 1_764_590_400_000 })
    private var seed: UInt64
    private(set) var clients: [DeviceAddress: Client] = [:]
    /// Every message each device received, in order.
    private(set) var inbox: [DeviceAddress: [ReceivedMessage]] = [:]

    init(seed: UInt64) { self.seed = seed }

    /// Sealed sender by default: every client pins the directory's trust root.
    var policy: SesamePolicy { SesamePolicy(trustRoot: directory.trustRoot) }

    func newStore() -> (InMemorySignalProtocolStore, SeededEntropy) {
        seed += 1
        let entropy = SeededEntropy(seed: seed)
        return (InMemorySignalProtocolStore(identity: .generate(using: entropy), registrationID: .generate(using: entropy)), entropy)
    }

    @discardableResult
    func register(_ text: String) async throws -> Client {
        let (store, entropy) = newStore()
        let client = try await Client.registerPrimary(try UserAddress(parsing: text), store: store, directory: directory,
                                                      policy: policy, entropy: entropy, now: { 1_764_590_400_000 })
        clients[client.address] = client
        return client
    }

    /// Links a new companion to `primary`'s account, as the apps do: request, approval, countersignature.
    @discardableResult
    func link(to primary: Client) async throws -> Client {
        let (store, entropy) = newStore()
        let request = try await Client.linkRequest(for: primary.address.user, store: store)
        let approval = try await primary.approve(request)
        let (companion, attestation) = try await Client.link(approval, store: store, directory: directory, policy: policy,
                                                             entropy: entropy, now: { 1_764_590_400_000 })
        try await primary.completeLink(attestation)
        try await companion.publishKeys()
        clients[companion.address] = companion
        return companion
    }

    func client(_ text: String) throws -> Client { clients[try DeviceAddress(parsing: text)]! }

    /// Delivers every queued envelope to its device, in queue order, and acknowledges it.
    func deliverAll() async throws {
        var progress = true
        while progress {
            progress = false
            for (address, client) in clients.sorted(by: { $0.key < $1.key }) {
                let pending = try await directory.pending(for: address)
                for envelope in pending {
                    let message = try await client.receive(envelope)
                    inbox[address, default: []].append(message)
                    try await directory.acknowledge([envelope.messageID], for: address)
                    progress = true
                }
            }
        }
    }

    func texts(_ text: String) throws -> [String] {
        (inbox[try DeviceAddress(parsing: text)] ?? []).filter { $0.content.type == .text }.map { String(decoding: $0.content.body, as: UTF8.self) }
    }

    func remove(_ address: DeviceAddress) { clients[address] = nil }
}

/// A directory that fails the next submissions as told, then behaves: a flaky network, a 410.
actor ScriptedDirectory: DeviceDirectory {
    let inner: InMemoryDeviceDirectory
    var failures: [DirectoryError] = []
    private(set) var submissions = 0

    init(_ inner: InMemoryDeviceDirectory) { self.inner = inner }
    func failNext(_ error: DirectoryError) { failures.append(error) }

    func publish(_ list: SignedDeviceList, for user: UserAddress) async throws(DirectoryError) { try await inner.publish(list, for: user) }
    func upload(_ keys: PublishedKeys, for device: DeviceAddress) async throws(DirectoryError) { try await inner.upload(keys, for: device) }
    func deviceList(for user: UserAddress) async throws(DirectoryError) -> SignedDeviceList { try await inner.deviceList(for: user) }
    func bundles(for user: UserAddress, devices: [DeviceID]) async throws(DirectoryError) -> [PreKeyBundle] {
        try await inner.bundles(for: user, devices: devices)
    }
    func submit(_ messages: [OutgoingMessage], to user: UserAddress) async throws(DirectoryError) {
        submissions += 1
        if !failures.isEmpty { throw failures.removeFirst() }
        try await inner.submit(messages, to: user)
    }
    func pending(for device: DeviceAddress) async throws(DirectoryError) -> [Envelope] { try await inner.pending(for: device) }
    func acknowledge(_ ids: [MessageID], for device: DeviceAddress) async throws(DirectoryError) { try await inner.acknowledge(ids, for: device) }
    func senderCertificate(for device: DeviceAddress) async throws(DirectoryError) -> SenderCertificate {
        try await inner.senderCertificate(for: device)
    }
}

@Suite("Cross-app client: fan-out, device lists, groups")
struct CrossAppClientTests {
    @Test("a message reaches each of the recipient's devices and the sender's other devices exactly once")
    func fanOut() async throws {
        let world = CrossAppWorld(seed: 100)
        let alicePhone = try await world.register("whatsapp:alice")
        let aliceLaptop = try await world.link(to: alicePhone)
        let bob = try await world.register("messenger:bob")
        let bobTablet = try await world.link(to: bob)
        try await world.register("instagram:carol")

        let report = try await alicePhone.send(text: "hi Bob", to: try UserAddress(parsing: "messenger:bob"))
        #expect(Set(report.devices.map(\.description)) == ["messenger:bob/1", "messenger:bob/2", "whatsapp:alice/2"])
        try await world.deliverAll()
        #expect(try await world.texts("messenger:bob/1") == ["hi Bob"])
        #expect(try await world.texts("messenger:bob/2") == ["hi Bob"])
        #expect(try await world.texts("whatsapp:alice/2") == ["hi Bob"])
        #expect(try await world.texts("whatsapp:alice/1").isEmpty)
        #expect(try await world.texts("instagram:carol/1").isEmpty)
        let copy = try #require(await world.inbox[aliceLaptop.address]?.first)
        #expect(copy.isSyncCopy && copy.content.syncDestination?.description == "messenger:bob" && copy.sender == alicePhone.address)

        try await bobTablet.send(text: "hello from the tablet", to: try UserAddress(parsing: "whatsapp:alice"))
        try await world.deliverAll()
        #expect(try await world.texts("whatsapp:alice/1") == ["hello from the tablet"])
        #expect(try await world.texts("whatsapp:alice/2") == ["hi Bob", "hello from the tablet"])
        #expect(try await world.texts("messenger:bob/1") == ["hi Bob", "hello from the tablet"])
        // The relay held ciphertext only.
        let queued = await world.directory.queuedEnvelopes
        #expect(queued.isEmpty)
    }

    @Test("a device missing from a stale list is recovered through the directory's 409, with events")
    func staleListRecovered() async throws {
        let world = CrossAppWorld(seed: 200)
        let alice = try await world.register("whatsapp:alice")
        let bob = try await world.register("messenger:bob")
        try await alice.send(text: "first", to: bob.address.user)
        try await world.deliverAll()
        _ = await alice.takeEvents()
        let tablet = try await world.link(to: bob)
        let report = try await alice.send(text: "second", to: bob.address.user)
        #expect(report.retries == 1 && report.devices.contains(tablet.address))
        #expect(await alice.takeEvents() == [.deviceAdded(tablet.address), .safetyNumberChanged(bob.address.user)])
        try await world.deliverAll()
        #expect(try await world.texts("messenger:bob/2") == ["second"])
        #expect(try await world.texts("messenger:bob/1") == ["first", "second"])
    }

    @Test("a removed device is sent nothing after its removal, and its group chain is replaced")
    func removedDevice() async throws {
        let world = CrossAppWorld(seed: 300)
        let alice = try await world.register("whatsapp:alice")
        let laptop = try await world.link(to: alice)
        let bob = try await world.register("messenger:bob")
        let group = try await bob.createGroup(named: "trip", members: [alice.address.user])
        try await bob.send(text: "before", toGroup: group)
        try await world.deliverAll()
        #expect(try await world.texts("whatsapp:alice/2") == ["before"])

        try await alice.removeDevice(laptop.address.device)
        await world.remove(laptop.address)
        let report = try await bob.send(text: "after, 1:1", to: alice.address.user)
        #expect(!report.devices.contains(laptop.address) && report.retries == 1)
        let groupReport = try await bob.send(text: "after, group", toGroup: group)
        #expect(!groupReport.devices.contains(laptop.address))
        #expect(await bob.takeEvents().contains(.deviceRemoved(laptop.address)))
        // The group message is on a new chain: the removed laptop's store cannot open it.
        let envelope = try #require(await world.directory.pending(for: alice.address).last)
        #expect(envelope.kind == .sealedSenderV1)
        let alicePair = try await alice.store.transaction(.device) { t in try t.identityKeyPair() }
        let inner = try SealedSenderV1.open(envelope.ciphertext, recipient: alicePair)
        #expect(inner.type == .senderKey)
        let distribution = try SenderKeyMessage(serialized: inner.content, layout: .distributionUUID).distributionID
        await #expect(throws: GroupError.self) {
            try await GroupCipher(store: laptop.store, localAddress: laptop.address.protocolAddress)
                .decrypt(inner.content, from: bob.address.protocolAddress, groupID: distribution)
        }
        try await world.deliverAll()
        #expect(try await world.texts("whatsapp:alice/1") == ["before", "after, 1:1", "after, group"])
        #expect(try await world.texts("whatsapp:alice/2") == ["before"])
    }

    @Test("a three-app group: every member device reads each message once; a removed member reads nothing after")
    func threeAppGroup() async throws {
        let world = CrossAppWorld(seed: 400)
        let alice = try await world.register("whatsapp:alice")
        try await world.link(to: alice)
        let bob = try await world.register("messenger:bob")
        let carol = try await world.register("instagram:carol")
        let group = try await carol.createGroup(named: "three apps", members: [alice.address.user, bob.address.user])
        try await world.deliverAll()
        #expect(try await alice.group(group).members.map(\.description) == ["instagram:carol", "messenger:bob", "whatsapp:alice"])
        try await carol.send(text: "hello all", toGroup: group)
        try await bob.send(text: "hi from Messenger", toGroup: group)
        try await world.deliverAll()
        for device in ["whatsapp:alice/1", "whatsapp:alice/2"] {
            #expect(try await world.texts(device) == ["hello all", "hi from Messenger"])
        }
        #expect(try await world.texts("messenger:bob/1") == ["hello all"])
        #expect(try await world.texts("instagram:carol/1") == ["hi from Messenger"])

        try await carol.removeMember(bob.address.user, from: group)
        try await world.deliverAll()
        #expect(try await bob.group(group).members.contains(bob.address.user) == false)
        await #expect(throws: ClientError.self) { try await bob.send(text: "still here?", toGroup: group) }
        try await alice.send(text: "bob is gone", toGroup: group)
        try await world.deliverAll()
        #expect(try await world.texts("messenger:bob/1") == ["hello all"])
        #expect(try await world.texts("instagram:carol/1") == ["hi from Messenger", "bob is gone"])
        #expect(try await world.texts("whatsapp:alice/2") == ["hello all", "hi from Messenger", "bob is gone"])
    }

    @Test("a device linked after the group formed learns it from the next sender key and reads what follows")
    func lateLinkedDevice() async throws {
        let world = CrossAppWorld(seed: 450)
        let alice = try await world.register("whatsapp:alice")
        let bob = try await world.register("messenger:bob")
        let carol = try await world.register("instagram:carol")
        let group = try await carol.createGroup(named: "later", members: [alice.address.user, bob.address.user])
        try await carol.send(text: "before the tablet", toGroup: group)
        try await world.deliverAll()
        let tablet = try await world.link(to: bob)
        try await carol.send(text: "after the tablet", toGroup: group)
        try await alice.send(text: "alice too", toGroup: group)
        try await world.deliverAll()
        #expect(try await world.texts("messenger:bob/2") == ["after the tablet", "alice too"])
        #expect(try await tablet.group(group).members.count == 3)
        #expect(try await world.texts("messenger:bob/1") == ["before the tablet", "after the tablet", "alice too"])
    }

    @Test("a transport failure after encrypting skips counters but never reuses one; a 410 rebuilds the session")
    func failuresAndStaleDevices() async throws {
        let inner = InMemoryDeviceDirectory()
        let directory = ScriptedDirectory(inner)
        typealias Client = CrossAppClient<InMemorySignalProtocolStore, ScriptedDirectory>
        func store(_ seed: UInt64) -> InMemorySignalProtocolStore {
            let entropy = SeededEntropy(seed: seed)
            return InMemorySignalProtocolStore(identity: .generate(using: entropy), registrationID: .generate(using: entropy))
        }
        let alice = try await Client.registerPrimary(try UserAddress(parsing: "whatsapp:alice"), store: store(801), directory: directory)
        let bob = try await Client.registerPrimary(try UserAddress(parsing: "messenger:bob"), store: store(802), directory: directory)
        try await alice.send(text: "one", to: bob.address.user)
        await directory.failNext(DirectoryError(.unavailable, "the network is down"))
        await #expect(throws: ClientError(.directoryFailure, "")) { try await alice.send(text: "lost", to: bob.address.user) }
        try await alice.send(text: "three", to: bob.address.user)
        var counters: [UInt32] = []
        for envelope in try await inner.pending(for: bob.address) {
            let received = try await bob.receive(envelope)
            counters.append(try PreKeySignalMessage(serialized: envelope.ciphertext).message.counter)
            _ = received
        }
        #expect(counters == [0, 2], "the lost message's counter 1 is skipped, not reused")
        try await inner.acknowledge(try await inner.pending(for: bob.address).map(\.messageID), for: bob.address)

        // A 410 for Bob's device: Alice fetches a fresh bundle, builds a new session and sends again.
        let served = await inner.bundlesServed
        await directory.failNext(DirectoryError(.staleDevices, "re-installed", stale: [DeviceID(1)]))
        let report = try await alice.send(text: "after 410", to: bob.address.user)
        let servedAfter = await inner.bundlesServed
        #expect(report.retries == 1 && servedAfter == served + 1)
        let last = try #require(try await inner.pending(for: bob.address).last)
        #expect(String(decoding: try await bob.receive(last).content.body, as: UTF8.self) == "after 410")
    }

    @Test("a removed device's delayed messages are read within the retention, refused after it is pruned")
    func staleRetention() async throws {
        let clock = Clock(1_000_000)
        let directory = InMemoryDeviceDirectory()
        typealias Client = CrossAppClient<InMemorySignalProtocolStore, InMemoryDeviceDirectory>
        func store(_ seed: UInt64) -> InMemorySignalProtocolStore {
            let entropy = SeededEntropy(seed: seed)
            return InMemorySignalProtocolStore(identity: .generate(using: entropy), registrationID: .generate(using: entropy))
        }
        let policy = SesamePolicy(staleRetention: 1000)
        let bob = try await Client.registerPrimary(try UserAddress(parsing: "messenger:bob"), store: store(901), directory: directory,
                                                   policy: policy, now: clock.read)
        let alice = try await Client.registerPrimary(try UserAddress(parsing: "whatsapp:alice"), store: store(902), directory: directory,
                                                     policy: policy, now: clock.read)
        let laptopStore = store(903)
        let approval = try await alice.approve(try await Client.linkRequest(for: alice.address.user, store: laptopStore))
        let (laptop, attestation) = try await Client.link(approval, store: laptopStore, directory: directory, policy: policy, now: clock.read)
        try await alice.completeLink(attestation)
        try await laptop.publishKeys()
        // Two messages from the laptop; only the first is delivered before the laptop is removed.
        try await laptop.send(text: "early", to: bob.address.user)
        try await laptop.send(text: "delayed", to: bob.address.user)
        let queued = try await directory.pending(for: bob.address)
        _ = try await bob.receive(queued[0])
        try await alice.removeDevice(laptop.address.device)
        _ = try await bob.refreshDeviceList(for: alice.address.user)
        clock.advance(500)
        #expect(String(decoding: try await bob.receive(queued[1]).content.body, as: UTF8.self) == "delayed")
        // A third message, sent before removal but delivered after the retention: refused, store unchanged.
        clock.advance(600)
        _ = try await bob.refreshDeviceList(for: alice.address.user)
        let late = try Envelope(kind: .signalMessage, recipient: bob.address, sender: laptop.address, messageID: .random(),
                                ciphertext: try await laptop.store.transaction(.session(bob.address.protocolAddress)) { t in
                                    var record = try t.session(for: bob.address.protocolAddress)!
                                    let message = try record.encrypt(ContentPadding.pad(try Content.text("too late", at: 1).serialized))
                                    return message.serialized
                                })
        let before = await bob.store.snapshot()
        await #expect(throws: ClientError(.unknownSenderDevice, "")) { try await bob.receive(late) }
        #expect(await bob.store.snapshot() == before)
    }

    @Test("refused envelopes leave every store unchanged: tampered, replayed, misaddressed, from an unknown device")
    func refusals() async throws {
        let world = CrossAppWorld(seed: 500)
        let alice = try await world.register("whatsapp:alice")
        let bob = try await world.register("messenger:bob")
        try await alice.send(text: "one", to: bob.address.user)
        // Fetched and verified lists are cached whatever a message does: fetch Alice's first.
        _ = try await bob.deviceList(for: alice.address.user)
        let envelope = try #require(await world.directory.pending(for: bob.address).first)
        var tampered = envelope.ciphertext
        tampered[tampered.count - 3] ^= 1
        #expect(envelope.kind == .sealedSenderV1 && envelope.sender == nil, "messages to another account travel sealed")
        let cases: [(Envelope, ClientError.Code)] = [
            (try Envelope(kind: .sealedSenderV1, recipient: bob.address, sender: nil, messageID: envelope.messageID, ciphertext: tampered),
             .sealedSenderRefused),
            (try Envelope(kind: .sealedSenderV1, recipient: try DeviceAddress(parsing: "messenger:bob/9"), sender: nil,
                          messageID: envelope.messageID, ciphertext: envelope.ciphertext), .notForThisDevice),
            (try Envelope(kind: .signalMessage, recipient: bob.address, sender: try DeviceAddress(parsing: "whatsapp:alice/5"),
                          messageID: envelope.messageID, ciphertext: [0x33, 1, 2, 3]), .unknownSenderDevice),
            (try Envelope(kind: .sealedSenderV2, recipient: bob.address, sender: nil, messageID: envelope.messageID, ciphertext: [1]),
             .sealedSenderRefused),
        ]
        for (bad, code) in cases {
            let before = await bob.store.snapshot()
            await #expect(throws: ClientError(code, "")) { try await bob.receive(bad) }
            #expect(await bob.store.snapshot() == before, "\(code) changed the store")
        }
        let opened = try await bob.receive(envelope)
        #expect(String(decoding: opened.content.body, as: UTF8.self) == "one" && opened.sender == alice.address)
        let before = await bob.store.snapshot()
        await #expect(throws: ClientError(.decryptionFailed, "")) { try await bob.receive(envelope) }
        #expect(await bob.store.snapshot() == before, "a replay changed the store")
    }

    @Test("a sealed sender v2 received form, as a server splits it, is received with the sender from its certificate")
    func sealedV2Received() async throws {
        let world = CrossAppWorld(seed: 650)
        let alice = try await world.register("whatsapp:alice")
        let bob = try await world.register("messenger:bob")
        try await alice.send(text: "first", to: bob.address.user)
        try await world.deliverAll()
        let padded = try Content.text("one encryption for every device", at: 1).padded
        let inner = try await SessionCipher(store: alice.store, address: bob.address.protocolAddress).encrypt(padded)
        let content = UnidentifiedSenderMessageContent(type: .init(inner.kind), senderCertificate: try await alice.currentCertificate(),
                                                       content: inner.serialized)
        let alicePair = try await alice.store.transaction(.device) { t in try t.identityKeyPair() }
        let bobList = try await alice.deviceList(for: bob.address.user)
        let recipient = SealedSenderV2.Recipient(device: bob.address, registrationID: bobList.devices[0].registrationID,
                                                 identityKey: bobList.devices[0].identityKey)
        let form = try SealedSenderV2.receivedForms(of: try SealedSenderV2.seal(content, from: alicePair, to: [recipient]))[0]
        let envelope = try Envelope(kind: .sealedSenderV2, recipient: bob.address, sender: nil, messageID: .random(), ciphertext: form.received)
        let message = try await bob.receive(envelope)
        #expect(message.sender == alice.address && String(decoding: message.content.body, as: UTF8.self) == "one encryption for every device")
    }

    @Test("receive-then-store is exactly once: a failing app write keeps nothing, the redelivery succeeds")
    func exactlyOnce() async throws {
        struct AppWriteFailed: Error {}
        let world = CrossAppWorld(seed: 600)
        let alice = try await world.register("whatsapp:alice")
        let bob = try await world.register("messenger:bob")
        try await alice.send(text: "keep me", to: bob.address.user)
        _ = try await bob.deviceList(for: alice.address.user)
        let envelope = try #require(await world.directory.pending(for: bob.address).first)
        let before = await bob.store.snapshot()
        await #expect(throws: ClientError.self) {
            try await bob.receive(envelope) { _, _ in throw AppWriteFailed() }
        }
        #expect(await bob.store.snapshot() == before)
        let text = try await bob.receive(envelope) { _, message in String(decoding: message.content.body, as: UTF8.self) }
        #expect(text == "keep me")
    }

    @Test("a forged or rolled-back device list from the directory is refused and nothing is trusted from it")
    func forgedList() async throws {
        let world = CrossAppWorld(seed: 700)
        let alice = try await world.register("whatsapp:alice")
        let bob = try await world.register("messenger:bob")
        let version1 = try await world.directory.deviceList(for: bob.address.user)
        try await world.link(to: bob)
        #expect(try await alice.deviceList(for: bob.address.user).version == 2)
        let current = try await world.directory.deviceList(for: bob.address.user)
        let forged = SignedDeviceList(list: current.list, signature: Array(repeating: 7, count: 64))
        for (list, code) in [(forged, DeviceListError.Code.invalidSignature), (version1, .rollback)] {
            let before = await alice.store.snapshot()
            do {
                _ = try await alice.accept(list, for: bob.address.user)
                Issue.record("accepted a list that breaks \(code)")
            } catch {
                #expect(error.code == .deviceListRefused && (error.underlying as? DeviceListError)?.code == code, "\(error)")
            }
            #expect(await alice.store.snapshot() == before)
        }
        #expect(try await alice.deviceList(for: bob.address.user).version == 2)
    }
}

/// A settable clock for retention tests.
final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64
    init(_ value: UInt64) { self.value = value }
    var read: @Sendable () -> UInt64 { { [self] in lock.withLock { value } } }
    func advance(_ milliseconds: UInt64) { lock.withLock { value += milliseconds } }
}
