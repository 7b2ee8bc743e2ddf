import CrosswireCrypto

/// Every store in memory, for tests, tools and apps that persist elsewhere. An actor: transactions run
/// one at a time on it, each a synchronous body whose writes are applied only when it returns.
public actor InMemorySignalProtocolStore: SignalProtocolStore {
    let identity: IdentityKeyPair
    let registrationID: RegistrationID
    let trustPolicy: TrustPolicy
    let held = Held()

    /// What the store holds, as plain values: test support snapshots and restores it.
    package struct Contents: Sendable {
        package var identities: [ProtocolAddress: IdentityKey] = [:]
        package var preKeys: [PreKeyID: OneTimePreKey] = [:]
        package var signedPreKeys: [SignedPreKeyID: SignedPreKey] = [:]
        package var sessions: [ProtocolAddress: SessionRecord] = [:]
        package var senderKeys: [SenderKeyName: SenderKeyRecord] = [:]
        package var kemPreKeys: [KEMPreKeyID: KEMPreKey] = [:]
        package var deviceLists: [UserAddress: DeviceListRecord] = [:]
        package var groups: [GroupID: GroupRecord] = [:]
        /// Last-resort KEM prekey uses, as (KEM prekey id, signed prekey id, base key); pruned when the
        /// signed prekey or the KEM prekey is removed.
        package var usedLastResort: Set<LastResortUse> = []
        /// The ids most recently stored in each prekey space (0: none yet).
        package var lastIssued = LastIssued()

        package init() {}
    }

    /// The ids most recently stored, per prekey space.
    package struct LastIssued: Sendable, Equatable {
        package var preKey: UInt32 = 0
        package var signedPreKey: UInt32 = 0
        package var kemPreKey: UInt32 = 0

        package init(preKey: UInt32 = 0, signedPreKey: UInt32 = 0, kemPreKey: UInt32 = 0) {
            (self.preKey, self.signedPreKey, self.kemPreKey) = (preKey, signedPreKey, kemPreKey)
        }
    }

    /// The actor's contents by reference, so a transaction reads them without copying a dictionary.
    final class Held {
        var contents = Contents()
    }

    /// One use of a last-resort KEM prekey.
    package struct LastResortUse: Hashable, Sendable {
        package let kemPreKeyID: KEMPreKeyID
        package let signedPreKeyID: SignedPreKeyID
        package let baseKey: ECPublicKey

        package init(kemPreKeyID: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) {
            self.kemPreKeyID = kemPreKeyID
            self.signedPreKeyID = signedPreKeyID
            self.baseKey = baseKey
        }
    }

    /// Everything held, for test support's snapshots.
    package var allContents: Contents { held.contents }

    /// Replaces everything held (test support's restore).
    package func replaceContents(_ new: Contents) { held.contents = new }

    /// A store for the device with this identity and registration id; everything else starts empty.
    public init(identity: IdentityKeyPair, registrationID: RegistrationID, trustPolicy: TrustPolicy = .refuseChanges) {
        self.identity = identity
        self.registrationID = registrationID
        self.trustPolicy = trustPolicy
    }

    /// Runs `body` on this actor; its writes are applied when it returns and dropped when it throws.
    public func transaction<Result: Sendable>(
        _ scope: TransactionScope, _ body: @Sendable (inout Transaction) throws -> Result
    ) throws -> Result {
        var transaction = Transaction(held: held, identity: identity, registrationID: registrationID, trustPolicy: trustPolicy)
        let result = try body(&transaction)
        transaction.changes.apply(to: &held.contents)
        return result
    }

    /// One synchronous transaction for the convenience methods below.
    private func write<Result, Failure: Error>(_ body: (inout Transaction) throws(Failure) -> Result) throws(Failure) -> Result {
        var transaction = Transaction(held: held, identity: identity, registrationID: registrationID, trustPolicy: trustPolicy)
        let result = try body(&transaction)
        transaction.changes.apply(to: &held.contents)
        return result
    }

    // MARK: Direct access, each call its own transaction

    /// The identity given at creation.
    public func identityKeyPair() -> IdentityKeyPair { identity }
    /// The registration id given at creation.
    public func localRegistrationID() -> RegistrationID { registrationID }
    /// Records `key` for `address` (the app approving a changed key); `true` when it replaced another.
    @discardableResult
    public func saveIdentity(_ key: IdentityKey, for address: ProtocolAddress) -> Bool {
        let previous = held.contents.identities.updateValue(key, forKey: address)
        return previous != nil && previous != key
    }
    /// Whether `key` may be used with `address` under this store's policy.
    public func isTrustedIdentity(_ key: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) -> Bool {
        Transaction(held: held, identity: identity, registrationID: registrationID, trustPolicy: trustPolicy).isTrustedIdentity(key, for: address, direction: direction)
    }
    /// The key saved for `address`, if any.
    public func identity(for address: ProtocolAddress) -> IdentityKey? { held.contents.identities[address] }

    /// The one-time prekey `id`, while unused.
    public func preKey(id: PreKeyID) -> OneTimePreKey? { held.contents.preKeys[id] }
    /// Keeps `preKey`; another key under its id is an `idCollision`, the same key again a no-op.
    public func storePreKey(_ preKey: OneTimePreKey) throws(StoreError) { try write { (t: inout Transaction) throws(StoreError) in try t.storePreKey(preKey) } }
    /// Forgets the one-time prekey `id`; an unknown id is ignored.
    public func removePreKey(id: PreKeyID) { held.contents.preKeys[id] = nil }
    /// How many one-time prekeys are left: publish more when it runs low.
    public var preKeyCount: Int { held.contents.preKeys.count }

    /// The signed prekey `id`, if kept.
    public func signedPreKey(id: SignedPreKeyID) -> SignedPreKey? { held.contents.signedPreKeys[id] }
    /// Keeps `signedPreKey`; another key under its id is an `idCollision`, the same key again a no-op.
    public func storeSignedPreKey(_ signedPreKey: SignedPreKey) throws(StoreError) {
        try write { (t: inout Transaction) throws(StoreError) in try t.storeSignedPreKey(signedPreKey) }
    }
    /// Deletes the signed prekey `id` and the last-resort uses recorded against it; an unknown id is ignored.
    public func removeSignedPreKey(id: SignedPreKeyID) {
        write { (t: inout Transaction) in t.removeSignedPreKey(id: id) }
    }

    /// The session record for `address`, if any.
    public func session(for address: ProtocolAddress) -> SessionRecord? { held.contents.sessions[address] }
    /// Replaces the session record for `address`.
    public func storeSession(_ record: SessionRecord, for address: ProtocolAddress) { held.contents.sessions[address] = record }

    /// The KEM prekey `id`, while kept (one-time keys go after their first use).
    public func kemPreKey(id: KEMPreKeyID) -> KEMPreKey? { held.contents.kemPreKeys[id] }
    /// Keeps `preKey`; another key under its id is an `idCollision`, the same key again a no-op.
    public func storeKEMPreKey(_ preKey: KEMPreKey) throws(StoreError) {
        try write { (t: inout Transaction) throws(StoreError) in try t.storeKEMPreKey(preKey) }
    }
    /// How many KEM prekeys are held, last-resort ones included.
    public var kemPreKeyCount: Int { held.contents.kemPreKeys.count }
    /// Whether this last-resort triple was already marked used.
    public func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) -> Bool {
        held.contents.usedLastResort.contains(LastResortUse(kemPreKeyID: id, signedPreKeyID: signedPreKeyID, baseKey: baseKey))
    }

    /// The sender key record for `name`, if any.
    public func senderKey(for name: SenderKeyName) -> SenderKeyRecord? { held.contents.senderKeys[name] }
    /// Replaces the sender key record for `name`.
    public func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) { held.contents.senderKeys[name] = record }
}
