@_spi(Hazmat) import CrosswireCrypto
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// A store that fails on one chosen method, as a database would on a full disk or a lost connection;
/// optionally it trusts every received identity, as apps that accept key changes on receipt do.
struct FailingStore: SignalProtocolStore, SenderKeyStore {
    struct DiskFull: Error, Equatable {}

    let base: InMemorySignalProtocolStore
    let failing: String
    var trustsEveryReceivedIdentity = false

    func check(_ method: String) throws { if method == failing { throw DiskFull() } }

    func identityKeyPair() async throws -> IdentityKeyPair { try check(#function); return await base.identityKeyPair() }
    func localRegistrationID() async throws -> RegistrationID { try check(#function); return await base.localRegistrationID() }
    func saveIdentity(_ identity: IdentityKey, for address: ProtocolAddress) async throws -> Bool {
        try check(#function); return await base.saveIdentity(identity, for: address)
    }
    func isTrustedIdentity(_ identity: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) async throws -> Bool {
        try check(#function)
        if trustsEveryReceivedIdentity, direction == .receiving { return true }
        return await base.isTrustedIdentity(identity, for: address, direction: direction)
    }
    func identity(for address: ProtocolAddress) async throws -> IdentityKey? { try check(#function); return await base.identity(for: address) }
    func preKey(id: PreKeyID) async throws -> OneTimePreKey? { try check(#function); return await base.preKey(id: id) }
    func storePreKey(_ preKey: OneTimePreKey) async throws { try check(#function); try await base.storePreKey(preKey) }
    func removePreKey(id: PreKeyID) async throws { try check(#function); await base.removePreKey(id: id) }
    func signedPreKey(id: SignedPreKeyID) async throws -> SignedPreKey? { try check(#function); return await base.signedPreKey(id: id) }
    func storeSignedPreKey(_ signedPreKey: SignedPreKey) async throws { try check(#function); try await base.storeSignedPreKey(signedPreKey) }
    func removeSignedPreKey(id: SignedPreKeyID) async throws { try check(#function); await base.removeSignedPreKey(id: id) }
    func kemPreKey(id: KEMPreKeyID) async throws -> KEMPreKey? { try check(#function); return await base.kemPreKey(id: id) }
    func storeKEMPreKey(_ preKey: KEMPreKey) async throws { try check(#function); try await base.storeKEMPreKey(preKey) }
    func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) async throws -> Bool {
        try check(#function); return await base.hasUsedKEMPreKey(id: id, signedPreKeyID: signedPreKeyID, baseKey: baseKey)
    }
    func markKEMPreKeyUsed(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) async throws {
        try check(#function); await base.markKEMPreKeyUsed(id: id, signedPreKeyID: signedPreKeyID, baseKey: baseKey)
    }
    func session(for address: ProtocolAddress) async throws -> SessionRecord? { try check(#function); return await base.session(for: address) }
    func storeSession(_ record: SessionRecord, for address: ProtocolAddress) async throws {
        try check(#function); await base.storeSession(record, for: address)
    }
    func senderKey(for name: SenderKeyName) async throws -> SenderKeyRecord? { try check(#function); return await base.senderKey(for: name) }
    func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) async throws {
        try check(#function); await base.storeSenderKey(record, for: name)
    }
}

@Suite("A store's own errors come through wrapped")
struct StoreFailureTests {
    @Test("a session store failure is storeFailure, names the peer and keeps the store's error",
          arguments: ["session(for:)", "storeSession(_:for:)", "isTrustedIdentity(_:for:direction:)", "saveIdentity(_:for:)"])
    func sessionStoreFailure(method: String) async throws {
        let (alice, bob) = try await establishedPair(seed: 90)
        let message = try await alice.send("hello", to: bob)
        let failing = SessionCipher(store: FailingStore(base: bob.store, failing: method), address: alice.address, entropy: bob.entropy)
        let before = await bob.store.snapshot()
        do {
            _ = try await failing.decrypt(message.serialized, kind: message.kind)
            Issue.record("expected storeFailure from \(method)")
        } catch {
            #expect(error.code == .storeFailure)
            #expect(error.address == alice.address)
            #expect(error.underlying as? FailingStore.DiskFull == FailingStore.DiskFull())
            #expect(!error.reason.isEmpty)
        }
        // A failed load or trust check reaches the store before anything is written, so nothing
        // changed. A failed write can follow an earlier write of the same operation (the identity is
        // saved before the session): one transaction per operation is the durable-state issue's work.
        if method == "session(for:)" || method.hasPrefix("isTrusted") { #expect(await bob.store.snapshot() == before) }
        #expect(try await bob.receive(message, from: alice) == "hello")
    }

    @Test("a one-time prekey lookup failure is storeFailure, not unknownPreKey")
    func preKeyLookupFailure() async throws {
        let (alice, bob) = try await establishedPair(seed: 91)
        let message = try await alice.send("hello", to: bob)
        let failing = SessionCipher(store: FailingStore(base: bob.store, failing: "preKey(id:)"), address: alice.address, entropy: bob.entropy)
        await #expect(throws: SessionError(.storeFailure, "")) { try await failing.decrypt(message.serialized, kind: message.kind) }
    }

    @Test("a sender key store failure is storeFailure, names the sender and keeps the store's error")
    func senderKeyStoreFailure() async throws {
        let sender = Device("sender", seed: 92), member = Device("member", seed: 93)
        let group = Array(repeating: UInt8(7), count: 16)
        let senderCipher = GroupCipher(store: sender.store, localAddress: sender.address, entropy: sender.entropy)
        let distribution = try await senderCipher.distributionMessage(for: group)
        let failing = GroupCipher(store: FailingStore(base: member.store, failing: "storeSenderKey(_:for:)"), localAddress: member.address)
        do {
            try await failing.process(distribution.serialized, from: sender.address, groupID: group)
            Issue.record("expected storeFailure")
        } catch {
            #expect(error.code == .storeFailure)
            #expect(error.sender == sender.address)
            #expect(error.underlying as? FailingStore.DiskFull == FailingStore.DiskFull())
        }
        #expect(await member.store.senderKey(for: SenderKeyName(groupID: group, sender: sender.address)) == nil)
    }

    @Test("group errors, and the errors a store failure wraps, never carry key material")
    func groupErrorsAreClean() async throws {
        let sender = Device("sender", seed: 94), member = Device("member", seed: 95)
        let group = Array(repeating: UInt8(9), count: 16)
        let senderCipher = GroupCipher(store: sender.store, localAddress: sender.address, entropy: sender.entropy)
        let memberCipher = GroupCipher(store: member.store, localAddress: member.address)
        let distribution = try await senderCipher.distributionMessage(for: group)
        try await memberCipher.process(distribution.serialized, from: sender.address, groupID: group)
        let own = try #require(await sender.store.senderKey(for: SenderKeyName(groupID: group, sender: sender.address))?.nextSenderKeys)
        let secrets = [Hex.encode(distribution.chainKey.rawRepresentation.unprotectedBytes), Hex.encode(own.signingPrivateKey.unprotectedBytes),
                       Hex.encode(own.cipherKey.unprotectedBytes)]
        let message = try await senderCipher.encrypt(Array("group secret".utf8), groupID: group).serialized
        var errors: [any Error] = []
        var tampered = message
        tampered[10] ^= 1
        for attempt in [tampered, Array(message.prefix(30))] {
            do { _ = try await memberCipher.decrypt(attempt, from: sender.address, groupID: group) } catch { errors.append(error) }
        }
        _ = try await memberCipher.decrypt(message, from: sender.address, groupID: group)
        do { _ = try await memberCipher.decrypt(message, from: sender.address, groupID: group) } catch { errors.append(error) }
        let failing = GroupCipher(store: FailingStore(base: member.store, failing: "senderKey(for:)"), localAddress: member.address)
        do { _ = try await failing.decrypt(message, from: sender.address, groupID: group) } catch { errors.append(error) }
        #expect(errors.count == 4)
        for error in errors {
            let text = String(describing: error) + String(reflecting: error)
            for secret in secrets { #expect(!text.contains(secret)) }
            #expect(!text.contains("group secret"))
        }
    }
}
