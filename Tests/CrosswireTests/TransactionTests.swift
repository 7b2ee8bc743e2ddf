@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// A store that yields to other tasks before and after every transaction, as a database on another
/// thread does: with the old per-method store every await between load and save let a concurrent
/// operation in; with one transaction per operation nothing can interleave inside one.
struct YieldingStore: SignalProtocolStore {
    let base: InMemorySignalProtocolStore

    func transaction<Result: Sendable>(_ scope: TransactionScope, _ body: @Sendable (inout InMemorySignalProtocolStore.Transaction) throws -> Result) async throws -> Result {
        await Task.yield()
        let result = try await base.transaction(scope, body)
        await Task.yield()
        return result
    }
}

/// `nil` when `body` succeeded, else the code of its `SessionError`.
private func outcome(_ body: () async throws(SessionError) -> Void) async -> SessionError.Code? {
    do { try await body(); return nil } catch { return error.code }
}

/// The counter a message was sent with, whichever kind it is.
private func counter(_ message: CiphertextMessage) -> UInt32 {
    switch message {
    case .signal(let signal): signal.counter
    case .preKey(let preKey): preKey.message.counter
    }
}

@Suite("One transaction per operation")
struct TransactionTests {
    @Test("concurrent encrypts to one peer never share a counter (no AES key and IV used twice)")
    func concurrentEncrypts() async throws {
        let (alice, bob) = try await establishedPair(seed: 300)
        _ = try await bob.receive(try await alice.send("first", to: bob), from: alice)
        _ = try await alice.receive(try await bob.send("ack", to: alice), from: bob)
        let cipher = SessionCipher(store: YieldingStore(base: alice.store), address: bob.address, entropy: alice.entropy)
        let messages = try await withThrowingTaskGroup(of: CiphertextMessage.self) { group in
            for i in 0..<40 { group.addTask { try await cipher.encrypt(Array("m\(i)".utf8)) } }
            var all: [CiphertextMessage] = []
            for try await message in group { all.append(message) }
            return all
        }
        #expect(Set(messages.map(counter)).count == 40, "two encrypts shared a counter")
        var received: Set<String> = []
        for message in messages { received.insert(try await bob.receive(message, from: alice)) }
        #expect(received == Set((0..<40).map { "m\($0)" }))
    }

    @Test("the same message decrypted by concurrent tasks succeeds exactly once")
    func concurrentDuplicateDecrypts() async throws {
        let (alice, bob) = try await establishedPair(seed: 301)
        _ = try await bob.receive(try await alice.send("first", to: bob), from: alice)
        let message = try await alice.send("once", to: bob)
        let cipher = SessionCipher(store: YieldingStore(base: bob.store), address: alice.address, entropy: bob.entropy)
        let outcomes = await withTaskGroup(of: SessionError.Code?.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    await outcome { () throws(SessionError) in _ = try await cipher.decrypt(message.serialized, kind: message.kind) }
                }
            }
            var all: [SessionError.Code?] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.filter { $0 == .duplicateMessage }.count == 7)
    }

    @Test("two senders naming one one-time prekey: exactly one session gets it")
    func oneTimePreKeyTakenOnce() async throws {
        let bob = Device("bob", seed: 302), alice = Device("alice", seed: 303), carol = Device("carol", seed: 304)
        let bundle = try await bob.bundle(preKeyID: 77)
        try await alice.cipher(for: bob).process(bundle)
        try await carol.cipher(for: bob).process(bundle)
        let fromAlice = try await alice.send("a", to: bob), fromCarol = try await carol.send("c", to: bob)
        let store = YieldingStore(base: bob.store)
        async let a: SessionError.Code? = {
            await outcome { () throws(SessionError) in _ = try await SessionCipher(store: store, address: alice.address).decrypt(fromAlice.serialized, kind: .preKey) }
        }()
        async let c: SessionError.Code? = {
            await outcome { () throws(SessionError) in _ = try await SessionCipher(store: store, address: carol.address).decrypt(fromCarol.serialized, kind: .preKey) }
        }()
        let outcomes = await [a, c]
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.filter { $0 == .unknownPreKey }.count == 1)
        #expect(await bob.store.preKeyCount == 0)
    }

    @Test("a last-resort PreKey message replayed under another address at the same time is refused")
    func lastResortCheckAndMarkAreAtomic() async throws {
        let bob = Device("bob", seed: 305), alice = Device("alice", seed: 306)
        try await alice.cipher(for: bob).process(try await bob.bundle(preKeyID: nil, kemID: 9, lastResort: true))
        let message = try await alice.send("pq", to: bob)
        let store = YieldingStore(base: bob.store)
        let addresses = [alice.address, ProtocolAddress(name: "mallory", deviceID: DeviceID(1))]
        let outcomes = await withTaskGroup(of: SessionError.Code?.self) { group in
            for address in addresses {
                group.addTask {
                    await outcome { () throws(SessionError) in _ = try await SessionCipher(store: store, address: address).decrypt(message.serialized, kind: .preKey) }
                }
            }
            var all: [SessionError.Code?] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.filter { $0 == .kemPreKeyReused }.count == 1)
    }

    @Test("a PreKey message failing at any store call, or at commit, leaves the store exactly as it was",
          arguments: ["saveIdentity(_:for:)", "storeSession(_:for:)", "removePreKey(id:)",
                      "markKEMPreKeyUsed(id:signedPreKeyID:baseKey:)", "commit"])
    func preKeyMessageIsAtomic(failing method: String) async throws {
        let bob = Device("bob", seed: 307), alice = Device("alice", seed: 308)
        try await alice.cipher(for: bob).process(try await bob.bundle(preKeyID: 5, kemID: 6))
        let message = try await alice.send("atomic", to: bob)
        let before = await bob.store.snapshot()
        let failing = SessionCipher(store: FailingStore(base: bob.store, failing: method), address: alice.address)
        await #expect(throws: SessionError(.storeFailure, "")) { try await failing.decrypt(message.serialized, kind: .preKey) }
        #expect(await bob.store.snapshot() == before)
        #expect(try await bob.receive(message, from: alice) == "atomic")
        #expect(await bob.store.preKeyCount == 0)
        #expect(await bob.store.kemPreKeyCount == 0)
    }

    @Test("the app's own work runs inside the decrypt's transaction: if it fails, the ratchet does not move")
    func receiveThenStoreIsExactlyOnce() async throws {
        let (alice, bob) = try await establishedPair(seed: 309)
        let message = try await alice.send("store me", to: bob)
        struct AppDatabaseFull: Error {}
        let cipher = bob.cipher(for: alice)
        let before = await bob.store.snapshot()
        do {
            _ = try await cipher.decrypt(message.serialized, kind: message.kind) { (_: inout InMemorySignalProtocolStore.Transaction, _: DecryptedMessage) throws -> Int in
                throw AppDatabaseFull()
            }
            Issue.record("the app's failure did not fail the decrypt")
        } catch {
            #expect(error.code == .storeFailure)
            #expect(error.underlying is AppDatabaseFull)
        }
        #expect(await bob.store.snapshot() == before)
        let stored = try await cipher.decrypt(message.serialized, kind: message.kind) { _, decrypted in String(decoding: decrypted.plaintext, as: UTF8.self) }
        #expect(stored == "store me")
        await #expect(throws: SessionError(.duplicateMessage, "")) { try await cipher.decrypt(message.serialized, kind: message.kind) }
    }
}

@Suite("Identity changes and session age")
struct IdentityLifecycleTests {
    /// Bob, whose store accepts changed keys on receipt or refuses them.
    private func bob(_ policy: TrustPolicy) -> (Device, InMemorySignalProtocolStore) {
        let bob = Device("bob", seed: 320)
        return (bob, InMemorySignalProtocolStore(identity: bob.identity, registrationID: bob.registrationID, trustPolicy: policy))
    }

    private func publish(_ bob: Device, on store: InMemorySignalProtocolStore, preKeyID: UInt32) async throws -> PreKeyBundle {
        let signed = SignedPreKey.generate(id: SignedPreKeyID(preKeyID), signedBy: bob.identity, timestamp: 0, using: bob.entropy)
        let oneTime = OneTimePreKey(id: PreKeyID(preKeyID), keyPair: .generate(using: bob.entropy))
        try await store.storeSignedPreKey(signed)
        try await store.storePreKey(oneTime)
        return try PreKeyBundle(publishing: bob.identity.identityKey, registrationID: bob.registrationID, deviceID: bob.deviceID,
                                signedPreKey: signed, oneTimePreKey: oneTime)
    }

    /// Alice talks to Bob, then reinstalls (same address, new identity) and starts a new session.
    private func reinstall(_ policy: TrustPolicy, seed: UInt64)
        async throws -> (bob: Device, store: InMemorySignalProtocolStore, old: Device, reinstalled: Device, fromBob: SessionCipher<InMemorySignalProtocolStore>) {
        let (bob, store) = bob(policy)
        let old = Device("alice", seed: seed), reinstalled = Device("alice", seed: seed + 1)
        let fromBob = SessionCipher(store: store, address: old.address, entropy: bob.entropy)
        try await old.cipher(for: bob).process(try await publish(bob, on: store, preKeyID: 1))
        _ = try await fromBob.decrypt(try await old.send("before", to: bob).serialized, kind: .preKey)
        try await reinstalled.cipher(for: bob).process(try await publish(bob, on: store, preKeyID: 2))
        return (bob, store, old, reinstalled, fromBob)
    }

    @Test("a reinstalled peer (new identity) is accepted on receipt and reported; the old session is archived")
    func identityChangeAccepted() async throws {
        let (bob, store, old, reinstalled, fromBob) = try await reinstall(.acceptChangesOnReceipt, seed: 321)
        let message = try await reinstalled.send("after", to: bob)
        let decrypted = try await fromBob.decrypt(message.serialized, kind: .preKey) { _, decrypted in decrypted }
        #expect(String(decoding: decrypted.plaintext, as: UTF8.self) == "after")
        #expect(decrypted.identityChange == IdentityChange(address: old.address, previous: old.identity.identityKey, current: reinstalled.identity.identityKey))
        let record = try #require(await store.session(for: old.address))
        #expect(record.current?.remoteIdentity == reinstalled.identity.identityKey)
        #expect(record.archived.first?.remoteIdentity == old.identity.identityKey)
        #expect(await store.identity(for: old.address) == reinstalled.identity.identityKey)
        // Bob now replies to the new key only.
        #expect(try await reinstalled.receive(try await fromBob.encrypt(Array("hi".utf8)), from: bob) == "hi")
    }

    @Test("under refuseChanges the same message fails with untrustedIdentity and changes nothing")
    func identityChangeRefused() async throws {
        let (bob, store, _, reinstalled, fromBob) = try await reinstall(.refuseChanges, seed: 323)
        let before = await store.snapshot()
        await #expect(throws: SessionError(.untrustedIdentity, "")) {
            try await fromBob.decrypt(try await reinstalled.send("after", to: bob).serialized, kind: .preKey)
        }
        #expect(await store.snapshot() == before)
    }

    @Test("a session we started that was never answered expires after maxUnacknowledgedSessionAge")
    func pendingSessionExpires() async throws {
        let alice = Device("alice", seed: 325), bob = Device("bob", seed: 326)
        let day: UInt64 = 86_400_000, start: UInt64 = 1_800_000_000_000
        let clock = Locked(start)
        let cipher = SessionCipher(store: alice.store, address: bob.address, entropy: alice.entropy, now: { clock.withLock { $0 } })
        try await cipher.process(try await bob.bundle())
        clock.withLock { $0 = start + 29 * day }
        let early = try await cipher.encrypt(Array("still pending".utf8))
        #expect(early.kind == .preKey)
        clock.withLock { $0 = start + 31 * day }
        await #expect(throws: SessionError(.noSession, "")) { try await cipher.encrypt(Array("too late".utf8)) }
        // A reply acknowledges the session: no expiry after that.
        _ = try await bob.receive(early, from: alice)
        _ = try await cipher.decrypt(try await bob.send("ack", to: alice).serialized, kind: .signal)
        #expect(try await cipher.encrypt(Array("fine".utf8)).kind == .signal)
    }

    @Test("the pending session's age survives a record round trip")
    func pendingAgeIsPersisted() async throws {
        let alice = Device("alice", seed: 327), bob = Device("bob", seed: 328)
        try await SessionCipher(store: alice.store, address: bob.address, entropy: alice.entropy, now: { 1_234_567 }).process(try await bob.bundle())
        let record = try #require(await alice.store.session(for: bob.address))
        let reparsed = try SessionRecord(serialized: record.serialized)
        #expect(reparsed.current?.pendingPreKey?.createdAt == 1_234_567)
        #expect(reparsed.serialized == record.serialized)
    }
}
