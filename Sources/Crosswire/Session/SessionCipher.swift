import CrosswireCrypto
import CrosswireWire

/// Local rules for which sessions to accept (SPEC.md §9.3).
public struct SessionPolicy: Sendable, Equatable {
    /// Refuse to start sessions without PQXDH (bundles without a KEM prekey) and to accept new v3
    /// sessions from others: downgrade protection once every peer publishes KEM prekeys.
    public var requirePostQuantum: Bool

    public init(requirePostQuantum: Bool = false) {
        self.requirePostQuantum = requirePostQuantum
    }
}

/// Session management against the stores, as deployed Signal clients do it (SPEC.md §5.6): building a
/// session from a bundle, encrypting, and decrypting both message types with trial decryption over
/// archived states. Every failure leaves every store unchanged: work happens on copies and is saved
/// only after a message decrypted.
///
/// Calls for the same peer address must not run concurrently (load–decrypt–store is not atomic
/// across stores), exactly as with libsignal; different addresses are independent.
public struct SessionCipher<Store: SignalProtocolStore>: Sendable {
    public let store: Store
    public let address: ProtocolAddress
    public let policy: SessionPolicy
    let entropy: any EntropySource
    /// Vector replay only (see `X3DH.Encapsulator`).
    var encapsulate: X3DH.Encapsulator = X3DH.encapsulate

    public init(store: Store, address: ProtocolAddress, policy: SessionPolicy = SessionPolicy(), entropy: any EntropySource = SystemEntropy()) {
        self.store = store
        self.address = address
        self.policy = policy
        self.entropy = entropy
    }

    /// Starts a session from the peer's bundle (initiator side of X3DH). The bundle's signature was
    /// checked when it was built; the identity must be trusted for sending.
    public func process(_ bundle: PreKeyBundle) async throws {
        if policy.requirePostQuantum, bundle.kemPreKey == nil {
            throw ProtocolError(.postQuantumRequired, "the bundle of \(address) has no KEM prekey and local policy requires PQXDH")
        }
        guard try await store.isTrustedIdentity(bundle.identityKey, for: address, direction: .sending) else {
            throw ProtocolError(.untrustedIdentity, "the identity key of \(address) changed")
        }
        let identity = try await store.identityKeyPair()
        let registrationID = try await store.localRegistrationID()
        let state = try X3DH.initiate(identity: identity, localRegistrationID: registrationID, bundle: bundle,
                                      using: entropy, encapsulate: encapsulate)
        var record = try await store.session(for: address) ?? SessionRecord()
        record.promote(state)
        try await store.saveIdentity(bundle.identityKey, for: address)
        try await store.storeSession(record, for: address)
    }

    public func encrypt(_ plaintext: [UInt8]) async throws -> CiphertextMessage {
        guard var record = try await store.session(for: address), let current = record.current else {
            throw ProtocolError(.noSession, "no session with \(address)")
        }
        guard try await store.isTrustedIdentity(current.remoteIdentity, for: address, direction: .sending) else {
            throw ProtocolError(.untrustedIdentity, "the identity key of \(address) changed")
        }
        let message = try record.encrypt(plaintext)
        try await store.storeSession(record, for: address)
        return message
    }

    /// Decrypts a message of either type, given its type code (2 or 3).
    public func decrypt(type: Int, _ bytes: [UInt8]) async throws -> [UInt8] {
        switch type {
        case SignalMessage.typeCode: return try await decrypt(try Self.decode { try SignalMessage(serialized: bytes) })
        case PreKeySignalMessage.typeCode: return try await decrypt(try Self.decode { try PreKeySignalMessage(serialized: bytes) })
        default: throw ProtocolError(.invalidMessage, "unknown message type \(type)")
        }
    }

    static func decode<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as WireFormatError {
            throw ProtocolError(.invalidMessage, "\(error.code): \(error.reason)")
        }
    }

    public func decrypt(_ message: SignalMessage) async throws -> [UInt8] {
        guard var record = try await store.session(for: address) else {
            throw ProtocolError(.noSession, "no session with \(address)")
        }
        let plaintext = try record.decrypt(message, using: entropy)
        let remote = record.current!.remoteIdentity
        guard try await store.isTrustedIdentity(remote, for: address, direction: .receiving) else {
            throw ProtocolError(.untrustedIdentity, "the identity key of \(address) changed")
        }
        try await store.saveIdentity(remote, for: address)
        try await store.storeSession(record, for: address)
        return plaintext
    }

    /// The responder side: builds (or finds) the session the message starts, then decrypts its inner
    /// message with that session. The one-time prekey is removed only after that succeeded.
    public func decrypt(_ message: PreKeySignalMessage) async throws -> [UInt8] {
        let theirIdentity: IdentityKey, baseKey: ECPublicKey
        do {
            theirIdentity = try IdentityKey(serialized: message.identityKey)
            baseKey = try ECPublicKey(serialized: message.baseKey)
        } catch {
            throw ProtocolError(.invalidKey, "PreKey message key: \(error)")
        }
        guard baseKey.isCanonical else {
            throw ProtocolError(.invalidKey, "PreKey message base key is not canonically encoded")
        }
        guard try await store.isTrustedIdentity(theirIdentity, for: address, direction: .receiving) else {
            throw ProtocolError(.untrustedIdentity, "the identity key of \(address) changed")
        }
        var record = try await store.session(for: address) ?? SessionRecord()
        var usedPreKey: PreKeyID?
        var usedKEMPreKey: KEMPreKeyID?
        if let index = record.stateIndex(version: message.version, aliceBaseKey: baseKey) {
            // A repeat of a PreKey message we already processed: continue that session.
            if index >= 0 { record.promoteArchived(at: index) }
        } else {
            if policy.requirePostQuantum, message.version < MessageVersion.v4 {
                throw ProtocolError(.postQuantumRequired, "a new v3 (X3DH) session from \(address) refused: local policy requires PQXDH")
            }
            var kemSecret: SecretBytes?
            if message.version == MessageVersion.v4, let kemID = message.kemPreKeyID, let ciphertext = message.kemCiphertext {
                (kemSecret, usedKEMPreKey) = try await decapsulate(kemID: KEMPreKeyID(kemID), ciphertext: ciphertext,
                                                                   signedPreKeyID: SignedPreKeyID(message.signedPreKeyID), baseKey: baseKey)
            }
            guard let signedPreKey = try await store.signedPreKey(id: SignedPreKeyID(message.signedPreKeyID)) else {
                throw ProtocolError(.unknownSignedPreKey, "no signed prekey \(message.signedPreKeyID)")
            }
            var oneTime: OneTimePreKey?
            if let id = message.preKeyID {
                guard let found = try await store.preKey(id: PreKeyID(id)) else {
                    throw ProtocolError(.unknownPreKey, "no one-time prekey \(id) (already used, or never issued)")
                }
                oneTime = found
                usedPreKey = found.id
            }
            let state = try X3DH.respond(
                identity: try await store.identityKeyPair(), localRegistrationID: try await store.localRegistrationID(),
                signedPreKey: signedPreKey.keyPair, oneTimePreKey: oneTime?.keyPair,
                theirIdentity: theirIdentity, theirBaseKey: baseKey, theirRegistrationID: message.registrationID,
                kemSharedSecret: kemSecret)
            record.promote(state)
        }
        // Only the session this message belongs to may decrypt its inner message.
        guard var current = record.current else { throw ProtocolError(.noSession, "no session after processing") }
        let (plaintext, commit) = try current.prepareDecrypt(message.message, using: entropy)
        current.apply(commit)
        record.current = current
        try await store.saveIdentity(theirIdentity, for: address)
        try await store.storeSession(record, for: address)
        if let usedPreKey { try await store.removePreKey(id: usedPreKey) }
        if let usedKEMPreKey {
            try await store.markKEMPreKeyUsed(id: usedKEMPreKey, signedPreKeyID: SignedPreKeyID(message.signedPreKeyID), baseKey: baseKey)
        }
        return plaintext
    }

    /// The KEM half of PQXDH on the responder side: load the prekey, refuse a replayed last-resort
    /// triple, decapsulate.
    private func decapsulate(kemID: KEMPreKeyID, ciphertext: [UInt8], signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) async throws -> (SecretBytes, KEMPreKeyID) {
        guard let kemPreKey = try await store.kemPreKey(id: kemID) else {
            throw ProtocolError(.unknownKEMPreKey, "no KEM prekey \(kemID) (already used, or never issued)")
        }
        if kemPreKey.isLastResort, try await store.hasUsedKEMPreKey(id: kemID, signedPreKeyID: signedPreKeyID, baseKey: baseKey) {
            throw ProtocolError(.kemPreKeyReused, "last-resort KEM prekey \(kemID) was already used with this signed prekey and base key")
        }
        do {
            return (try kemPreKey.privateKey.decapsulate(ciphertext.dropFirst()), kemID)
        } catch {
            throw ProtocolError(.invalidKey, "KEM ciphertext: \(error)")
        }
    }
}
