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
        /// Last-resort KEM prekey uses, as (KEM prekey id, signed prekey id, base key).
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

    public init(identity: IdentityKeyPair, registrationID: RegistrationID) {
        self.identity = identity
        self.registrationID = registrationID
    }

    public func identityKeyPair() -> IdentityKeyPair { identity }
    public func localRegistrationID() -> RegistrationID { registrationID }

    @discardableResult
    public func saveIdentity(_ key: IdentityKey, for address: ProtocolAddress) -> Bool {
        let previous = contents.identities.updateValue(key, forKey: address)
        return previous != nil && previous != key
    }

    public func isTrustedIdentity(_ key: IdentityKey, for address: ProtocolAddress, direction: TrustDirection) -> Bool {
        guard let known = contents.identities[address] else { return true }
        return known == key
    }

    public func identity(for address: ProtocolAddress) -> IdentityKey? { contents.identities[address] }

    public func preKey(id: PreKeyID) -> OneTimePreKey? { contents.preKeys[id] }
    public func storePreKey(_ preKey: OneTimePreKey) { contents.preKeys[preKey.id] = preKey }
    public func removePreKey(id: PreKeyID) { contents.preKeys[id] = nil }
    public var preKeyCount: Int { contents.preKeys.count }

    public func signedPreKey(id: SignedPreKeyID) -> SignedPreKey? { contents.signedPreKeys[id] }
    public func storeSignedPreKey(_ signedPreKey: SignedPreKey) { contents.signedPreKeys[signedPreKey.id] = signedPreKey }

    public func session(for address: ProtocolAddress) -> SessionRecord? { contents.sessions[address] }
    public func storeSession(_ record: SessionRecord, for address: ProtocolAddress) { contents.sessions[address] = record }

    public func kemPreKey(id: KEMPreKeyID) -> KEMPreKey? { contents.kemPreKeys[id] }
    public func storeKEMPreKey(_ preKey: KEMPreKey) { contents.kemPreKeys[preKey.id] = preKey }
    public var kemPreKeyCount: Int { contents.kemPreKeys.count }

    public func hasUsedKEMPreKey(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) -> Bool {
        contents.usedLastResort.contains(LastResortUse(kemPreKeyID: id, signedPreKeyID: signedPreKeyID, baseKey: baseKey))
    }

    public func markKEMPreKeyUsed(id: KEMPreKeyID, signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) {
        guard let key = contents.kemPreKeys[id] else { return }
        if key.isLastResort {
            contents.usedLastResort.insert(LastResortUse(kemPreKeyID: id, signedPreKeyID: signedPreKeyID, baseKey: baseKey))
        } else {
            contents.kemPreKeys[id] = nil
        }
    }

    public func senderKey(for name: SenderKeyName) -> SenderKeyRecord? { contents.senderKeys[name] }
    public func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) { contents.senderKeys[name] = record }
}
