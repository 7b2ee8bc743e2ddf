import CrosswireCrypto

/// Every store in memory, for tests, tools and apps that persist elsewhere. An actor: safe to share
/// between tasks.
public actor InMemorySignalProtocolStore: IdentityKeyStore, PreKeyStore, SignedPreKeyStore, KEMPreKeyStore, SessionStore, SenderKeyStore {
    private let identity: IdentityKeyPair
    private let registrationID: RegistrationID
    private var contents = Contents()

    /// What the store holds, as plain values: test support snapshots and restores it.
    package struct Contents: Sendable {
        package var identities: [ProtocolAddress: IdentityKey] = [:]
        package var preKeys: [PreKeyID: OneTimePreKey] = [:]
        package var signedPreKeys: [SignedPreKeyID: SignedPreKey] = [:]
        package var sessions: [ProtocolAddress: SessionRecord] = [:]
        package var senderKeys: [SenderKeyName: SenderKeyRecord] = [:]
        package var kemPreKeys: [KEMPreKeyID: KEMPreKey] = [:]
        /// Last-resort KEM prekey uses, as (KEM prekey id, signed prekey id, base key); pruned when the
    /// signed prekey is removed.
        package var usedLastResort: Set<LastResortUse> = []

        package init() {}
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
    package var allContents: Contents { contents }

    /// Replaces everything held (test support's restore).
    package func replaceContents(_ new: Contents) { contents = new }

    /// A store for the device with this identity and registration id; everything else starts empty.
    public init(identity: IdentityKeyPair, registrationID: RegistrationID) {
        self.identity = identity
        self.registrationID = registrationID
    }

    /// The identity given at creation.
    public func identityKeyPair() -> IdentityKeyPair { identity }
    /// The registration id given at creation.
    public func localRegistrationID() -> RegistrationID { registrationID }

    /// Records `key` for `address`; `true` when it replaced a different key.
    @discardableResult
    public func saveIdentity(_ key: IdentityKey, for address: ProtocolAddress) -> Bool {
        let previous = contents.identities.updateValue(key, forKey: address)
        return previous != nil && previous != key
    }

    /// Trust on first use, in both directions: an unknown address is trusted, a known one only with the
    /// key saved for it. Apps that accept a changed key save it first.
    public func isTrustedIdentity(_ key: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) -> Bool {
        guard let known = contents.identities[address] else { return true }
        return known == key
    }

    /// The key saved for `address`, if any.
    public func identity(for address: ProtocolAddress) -> IdentityKey? { contents.identities[address] }

    /// The one-time prekey `id`, while unused.
    public func preKey(id: PreKeyID) -> OneTimePreKey? { contents.preKeys[id] }
    /// Keeps `preKey`; another key under its id is an `idCollision`, the same key again a no-op.
    public func storePreKey(_ preKey: OneTimePreKey) throws(StoreError) {
        if let held = contents.preKeys[preKey.id], held.keyPair.publicKey != preKey.keyPair.publicKey {
            throw StoreError(.idCollision, "another one-time prekey is already stored as \(preKey.id)")
        }
        contents.preKeys[preKey.id] = preKey
    }
    /// Forgets the one-time prekey `id`; an unknown id is ignored.
    public func removePreKey(id: PreKeyID) { contents.preKeys[id] = nil }
    /// How many one-time prekeys are left: publish more when it runs low.
    public var preKeyCount: Int { contents.preKeys.count }

    /// The signed prekey `id`, if kept.
    public func signedPreKey(id: SignedPreKeyID) -> SignedPreKey? { contents.signedPreKeys[id] }
    /// Keeps `signedPreKey`; another key under its id is an `idCollision`, the same key again a no-op.
    public func storeSignedPreKey(_ signedPreKey: SignedPreKey) throws(StoreError) {
        if let held = contents.signedPreKeys[signedPreKey.id], held.keyPair.publicKey != signedPreKey.keyPair.publicKey {
            throw StoreError(.idCollision, "another signed prekey is already stored as \(signedPreKey.id)")
        }
        contents.signedPreKeys[signedPreKey.id] = signedPreKey
    }

    /// Deletes the signed prekey `id` and the last-resort uses recorded against it; an unknown id is ignored.
    public func removeSignedPreKey(id: SignedPreKeyID) {
        contents.signedPreKeys[id] = nil
        contents.usedLastResort = contents.usedLastResort.filter { $0.signedPreKeyID != id }
    }

    /// The session record for `address`, if any.
    public func session(for address: ProtocolAddress) -> SessionRecord? { contents.sessions[address] }
    /// Replaces the session record for `address`.
    public func storeSession(_ record: SessionRecord, for address: ProtocolAddress) { contents.sessions[address] = record }

    /// The KEM prekey `id`, while kept (one-time keys go after their first use).
    public func kemPreKey(id: KEMPreKeyID) -> KEMPreKey? { contents.kemPreKeys[id] }
    /// Keeps `preKey`; another key under its id is an `idCollision`, the same key again a no-op.
    public func storeKEMPreKey(_ preKey: KEMPreKey) throws(StoreError) {
        if let held = contents.kemPreKeys[preKey.id], held.publicKey != preKey.publicKey {
            throw StoreError(.idCollision, "another KEM prekey is already stored as \(preKey.id)")
        }
        contents.kemPreKeys[preKey.id] = preKey
    }
    /// How many KEM prekeys are held, last-resort ones included.
    public var kemPreKeyCount: Int { contents.kemPreKeys.count }

    /// Whether this last-resort triple was already marked used.
    public func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) -> Bool {
        contents.usedLastResort.contains(LastResortUse(kemPreKeyID: id, signedPreKeyID: signedPreKeyID, baseKey: baseKey))
    }

    /// Deletes a one-time KEM prekey, or remembers the triple of a last-resort one; an unknown id is ignored.
    public func markKEMPreKeyUsed(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) {
        guard let key = contents.kemPreKeys[id] else { return }
        if key.isLastResort {
            contents.usedLastResort.insert(LastResortUse(kemPreKeyID: id, signedPreKeyID: signedPreKeyID, baseKey: baseKey))
        } else {
            contents.kemPreKeys[id] = nil
        }
    }

    /// The sender key record for `name`, if any.
    public func senderKey(for name: SenderKeyName) -> SenderKeyRecord? { contents.senderKeys[name] }
    /// Replaces the sender key record for `name`.
    public func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) { contents.senderKeys[name] = record }
}
