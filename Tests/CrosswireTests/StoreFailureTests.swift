@_spi(Hazmat) import CrosswireCrypto
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// A store that fails on one chosen method, as a database would on a full disk or a lost connection,
/// or at commit ("commit", after the body ran); optionally it trusts every received identity, as apps
/// that accept key changes on receipt do.
struct FailingStore: SignalProtocolStore {
    struct DiskFull: Error, Equatable {}

    let base: InMemorySignalProtocolStore
    let failing: String
    var trustsEveryReceivedIdentity = false

    func transaction<Result: Sendable>(_ scope: TransactionScope, _ body: @Sendable (inout Transaction) throws -> Result) async throws -> Result {
        let failing = failing, trusts = trustsEveryReceivedIdentity
        return try await base.transaction(scope) { inner in
            var transaction = Transaction(inner: inner, failing: failing, trustsEveryReceivedIdentity: trusts)
            let result = try body(&transaction)
            if failing == "commit" { throw DiskFull() }
            inner = transaction.inner
            return result
        }
    }

    struct Transaction: StoreTransaction {
        var inner: InMemorySignalProtocolStore.Transaction
        let failing: String
        let trustsEveryReceivedIdentity: Bool

        func check(_ method: String) throws { if method == failing { throw DiskFull() } }

        func identityKeyPair() throws -> IdentityKeyPair { try check(#function); return inner.identityKeyPair() }
        func localRegistrationID() throws -> RegistrationID { try check(#function); return inner.localRegistrationID() }
        mutating func saveIdentity(_ identity: IdentityKey, for address: ProtocolAddress) throws -> Bool {
            try check(#function); return inner.saveIdentity(identity, for: address)
        }
        func isTrustedIdentity(_ identity: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) throws -> Bool {
            try check(#function)
            if trustsEveryReceivedIdentity, direction == .receiving { return true }
            return inner.isTrustedIdentity(identity, for: address, direction: direction)
        }
        func identity(for address: ProtocolAddress) throws -> IdentityKey? { try check(#function); return inner.identity(for: address) }
        func preKey(id: PreKeyID) throws -> OneTimePreKey? { try check(#function); return inner.preKey(id: id) }
        mutating func storePreKey(_ preKey: OneTimePreKey) throws { try check(#function); try inner.storePreKey(preKey) }
        mutating func removePreKey(id: PreKeyID) throws { try check(#function); inner.removePreKey(id: id) }
        func preKeyIDs() throws -> [PreKeyID] { try check(#function); return inner.preKeyIDs() }
        func lastIssuedPreKeyID() throws -> PreKeyID? { try check(#function); return inner.lastIssuedPreKeyID() }
        func lastIssuedSignedPreKeyID() throws -> SignedPreKeyID? { try check(#function); return inner.lastIssuedSignedPreKeyID() }
        func lastIssuedKEMPreKeyID() throws -> KEMPreKeyID? { try check(#function); return inner.lastIssuedKEMPreKeyID() }
        func signedPreKey(id: SignedPreKeyID) throws -> SignedPreKey? { try check(#function); return inner.signedPreKey(id: id) }
        mutating func storeSignedPreKey(_ signedPreKey: SignedPreKey) throws { try check(#function); try inner.storeSignedPreKey(signedPreKey) }
        mutating func removeSignedPreKey(id: SignedPreKeyID) throws { try check(#function); inner.removeSignedPreKey(id: id) }
        func signedPreKeys() throws -> [SignedPreKey] { try check(#function); return inner.signedPreKeys() }
        func kemPreKey(id: KEMPreKeyID) throws -> KEMPreKey? { try check(#function); return inner.kemPreKey(id: id) }
        mutating func storeKEMPreKey(_ preKey: KEMPreKey) throws { try check(#function); try inner.storeKEMPreKey(preKey) }
        mutating func removeKEMPreKey(id: KEMPreKeyID) throws { try check(#function); inner.removeKEMPreKey(id: id) }
        func kemPreKeys() throws -> [KEMPreKey] { try check(#function); return inner.kemPreKeys() }
        func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) throws -> Bool {
            try check(#function); return inner.hasUsedKEMPreKey(id: id, signedPreKeyID: signedPreKeyID, baseKey: baseKey)
        }
        mutating func markKEMPreKeyUsed(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) throws {
            try check(#function); inner.markKEMPreKeyUsed(id: id, signedPreKeyID: signedPreKeyID, baseKey: baseKey)
        }
        func session(for address: ProtocolAddress) throws -> SessionRecord? { try check(#function); return inner.session(for: address) }
        mutating func storeSession(_ record: SessionRecord, for address: ProtocolAddress) throws {
            try check(#function); inner.storeSession(record, for: address)
        }
        func senderKey(for name: SenderKeyName) throws -> SenderKeyRecord? { try check(#function); return inner.senderKey(for: name) }
        mutating func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) throws {
            try check(#function); inner.storeSenderKey(record, for: name)
        }
        func deviceList(for user: UserAddress) throws -> DeviceListRecord? { try check(#function); return inner.deviceList(for: user) }
        mutating func storeDeviceList(_ record: DeviceListRecord, for user: UserAddress) throws {
            try check(#function); inner.storeDeviceList(record, for: user)
        }
        func group(for id: GroupID) throws -> GroupRecord? { try check(#function); return inner.group(for: id) }
        mutating func storeGroup(_ record: GroupRecord, for id: GroupID) throws { try check(#function); inner.storeGroup(record, for: id) }
    }
}

@Suite("A store's own errors come through wrapped")
struct StoreFailureTests {
    @Test("a session store failure is storeFailure, names the peer and keeps the store's error",
          arguments: ["session(for:)", "storeSession(_:for:)", "isTrustedIdentity(_:for:direction:)", "identity(for:)", "commit"])
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
        // One transaction per operation: whichever call failed, even the commit after every write, the
        // store is exactly as it was.
        #expect(await bob.store.snapshot() == before)
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
