import CrosswireCrypto
import CrosswireWire

/// Session management against the stores, as deployed Signal clients do it (SPEC.md §5.6): building a
/// session from a bundle, encrypting, and decrypting both message types with trial decryption over
/// archived states. Every failure leaves every store unchanged: work happens on copies and is saved
/// only after a message decrypted. Errors are `SessionError`s naming `address`; a store's own error
/// comes through as `storeFailure` with the store's error as `underlying`.
///
/// Calls for the same peer address must not run concurrently (load–decrypt–store is not atomic
/// across stores), exactly as with libsignal; different addresses are independent.
public struct SessionCipher<Store: SignalProtocolStore>: Sendable {
    /// Every store a 1:1 session reads and writes; written only once a bundle was processed or a message
    /// decrypted.
    public let store: Store
    /// The peer device this cipher talks to; every error it throws names it.
    public let address: ProtocolAddress
    /// Which sessions to start and accept (PQXDH required or not).
    public let policy: SessionPolicy
    let entropy: any EntropySource
    /// Vector replay only (see `X3DH.Encapsulator`).
    package var encapsulate: X3DH.Encapsulator = X3DH.encapsulate

    /// A cipher for the session with `address`. Cheap: make one per call or keep one per peer. `entropy`
    /// (base and ratchet keys) is injectable for tests and vectors.
    public init(store: Store, address: ProtocolAddress, policy: SessionPolicy = SessionPolicy(), entropy: any EntropySource = SystemEntropy()) {
        self.store = store
        self.address = address
        self.policy = policy
        self.entropy = entropy
    }

    /// Starts a session from the peer's bundle (initiator side of X3DH). The bundle's signature was
    /// checked when it was built; the identity must be trusted for sending.
    public func process(_ bundle: PreKeyBundle) async throws(SessionError) {
        do {
            try await processBundle(bundle)
        } catch {
            throw error.about(address)
        }
    }

    /// Encrypts with the current session and saves the advanced chain. Send `serialized` with `kind`: a
    /// PreKey message until the peer replied. Throws `noSession` before `process(_:)` or a first received
    /// message, `untrustedIdentity` if the peer's key is no longer trusted.
    public func encrypt(_ plaintext: [UInt8]) async throws(SessionError) -> CiphertextMessage {
        do {
            return try await encryptMessage(plaintext)
        } catch {
            throw error.about(address)
        }
    }

    /// Decrypts a message of either kind, as the transport labelled it.
    public func decrypt(_ bytes: [UInt8], kind: MessageKind) async throws(SessionError) -> [UInt8] {
        switch kind {
        case .signal: return try await decrypt(try SessionError.decode("SignalMessage") { try SignalMessage(serialized: bytes) })
        case .preKey: return try await decrypt(try SessionError.decode("PreKeySignalMessage") { try PreKeySignalMessage(serialized: bytes) })
        case .senderKey: throw SessionError(.invalidMessage, "a Sender Key message goes to GroupCipher, not SessionCipher").about(address)
        }
    }

    /// Decrypts a decoded SignalMessage with the current session, then each archived one (trial
    /// decryption); the one that decrypts becomes current.
    public func decrypt(_ message: SignalMessage) async throws(SessionError) -> [UInt8] {
        do {
            return try await decryptSignal(message)
        } catch {
            throw error.about(address)
        }
    }

    /// The responder side: builds (or finds) the session the message starts, then decrypts its inner
    /// message with that session. The one-time prekey is removed only after that succeeded.
    public func decrypt(_ message: PreKeySignalMessage) async throws(SessionError) -> [UInt8] {
        do {
            return try await decryptPreKey(message)
        } catch {
            throw error.about(address)
        }
    }

    // MARK: Operations

    private func processBundle(_ bundle: PreKeyBundle) async throws(SessionError) {
        if policy.requirePostQuantum, !bundle.isPostQuantum {
            throw SessionError(.postQuantumRequired, "the bundle of \(address) has no KEM prekey and local policy requires PQXDH")
        }
        try await requireTrusted(bundle.identityKey, .sending)
        let identity = try await SessionError.store("load the identity key pair") { try await store.identityKeyPair() }
        let registrationID = try await SessionError.store("load the registration id") { try await store.localRegistrationID() }
        let state = try X3DH.initiate(identity: identity, localRegistrationID: registrationID, bundle: bundle,
                                      using: entropy, encapsulate: encapsulate)
        var record = try await loadRecord() ?? SessionRecord()
        record.promote(state)
        try await SessionError.store("save the identity") { try await store.saveIdentity(bundle.identityKey, for: address) }
        try await saveRecord(record)
    }

    private func encryptMessage(_ plaintext: [UInt8]) async throws(SessionError) -> CiphertextMessage {
        guard var record = try await loadRecord(), let current = record.current else {
            throw SessionError(.noSession, "no session with \(address)")
        }
        try await requireTrusted(current.remoteIdentity, .sending)
        let message = try record.encrypt(plaintext)
        try await saveRecord(record)
        return message
    }

    private func decryptSignal(_ message: SignalMessage) async throws(SessionError) -> [UInt8] {
        guard var record = try await loadRecord() else {
            throw SessionError(.noSession, "no session with \(address)")
        }
        let plaintext = try record.decrypt(message, using: entropy)
        let remote = record.current!.remoteIdentity
        try await requireTrusted(remote, .receiving)
        try await SessionError.store("save the identity") { try await store.saveIdentity(remote, for: address) }
        try await saveRecord(record)
        return plaintext
    }

    private func decryptPreKey(_ message: PreKeySignalMessage) async throws(SessionError) -> [UInt8] {
        let theirIdentity: IdentityKey, baseKey: ECPublicKey
        do {
            theirIdentity = try IdentityKey(serialized: message.identityKey)
            baseKey = try ECPublicKey(serialized: message.baseKey)
        } catch {
            throw SessionError(.invalidKey, "PreKey message key: \(error.reason)", underlying: error)
        }
        guard baseKey.isCanonical else {
            throw SessionError(.invalidKey, "PreKey message base key is not canonically encoded")
        }
        try await requireTrusted(theirIdentity, .receiving)
        var record = try await loadRecord() ?? SessionRecord()
        var usedPreKey: PreKeyID?
        var usedKEMPreKey: KEMPreKeyID?
        let signedPreKeyID = SignedPreKeyID(message.signedPreKeyID)
        if let location = record.location(version: message.version, aliceBaseKey: baseKey) {
            // A repeat of a PreKey message we already processed: continue that session. Its MAC covers
            // the session's identity, not the one the message names, so they must be the same.
            guard record.state(at: location).remoteIdentity == theirIdentity else {
                throw SessionError(.untrustedIdentity, "the PreKey message names another identity key than the session it continues")
            }
            record.promote(at: location)
        } else {
            // A new session. Its base key must be torsion-free: X25519 cannot tell a key from the same key
            // plus a small-order point, so any other encoding would replay a session start unnoticed.
            guard baseKey.isInPrimeOrderSubgroup else {
                throw SessionError(.invalidKey, "PreKey message base key is not in the prime-order subgroup (a small-order component, as in a re-encoded replay)")
            }
            if policy.requirePostQuantum, message.version < .v4 {
                throw SessionError(.postQuantumRequired, "a new v3 (X3DH) session from \(address) refused: local policy requires PQXDH")
            }
            var kemSecret: SecretBytes?
            if message.version == .v4, let kemID = message.kemPreKeyID, let ciphertext = message.kemCiphertext {
                kemSecret = try await decapsulate(kemID: KEMPreKeyID(kemID), ciphertext: ciphertext, signedPreKeyID: signedPreKeyID, baseKey: baseKey)
                usedKEMPreKey = KEMPreKeyID(kemID)
            }
            guard let signedPreKey = try await SessionError.store("load a signed prekey", { try await store.signedPreKey(id: signedPreKeyID) }) else {
                throw SessionError(.unknownSignedPreKey, "no signed prekey \(signedPreKeyID)", preKey: .signed(signedPreKeyID))
            }
            var oneTime: OneTimePreKey?
            if let raw = message.preKeyID {
                let id = PreKeyID(raw)
                guard let found = try await SessionError.store("load a one-time prekey", { try await store.preKey(id: id) }) else {
                    throw SessionError(.unknownPreKey, "no one-time prekey \(id) (already used, or never issued)", preKey: .oneTime(id))
                }
                oneTime = found
                usedPreKey = id
            }
            let identity = try await SessionError.store("load the identity key pair") { try await store.identityKeyPair() }
            let registrationID = try await SessionError.store("load the registration id") { try await store.localRegistrationID() }
            let state = try X3DH.respond(
                identity: identity, localRegistrationID: registrationID,
                signedPreKey: signedPreKey.keyPair, oneTimePreKey: oneTime?.keyPair,
                theirIdentity: theirIdentity, theirBaseKey: baseKey,
                theirRegistrationID: RegistrationID(unchecked: message.registrationID), kemSharedSecret: kemSecret)
            record.promote(state)
        }
        // Only the session this message belongs to may decrypt its inner message.
        guard var current = record.current else { throw SessionError(.noSession, "no session after processing") }
        var budget = DecryptionBudget()
        let (plaintext, commit) = try current.prepareDecrypt(message.message, budget: &budget, using: entropy)
        current.apply(commit)
        record.current = current
        try await SessionError.store("save the identity") { try await store.saveIdentity(theirIdentity, for: address) }
        try await saveRecord(record)
        if let usedPreKey {
            try await SessionError.store("remove a used one-time prekey") { try await store.removePreKey(id: usedPreKey) }
        }
        if let usedKEMPreKey {
            try await SessionError.store("mark a KEM prekey used") {
                try await store.markKEMPreKeyUsed(id: usedKEMPreKey, signedPreKeyID: signedPreKeyID, baseKey: baseKey)
            }
        }
        return plaintext
    }

    /// The KEM half of PQXDH on the responder side: load the prekey, refuse a replayed last-resort
    /// triple, decapsulate.
    private func decapsulate(kemID: KEMPreKeyID, ciphertext: [UInt8], signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey) async throws(SessionError) -> SecretBytes {
        guard let kemPreKey = try await SessionError.store("load a KEM prekey", { try await store.kemPreKey(id: kemID) }) else {
            throw SessionError(.unknownKEMPreKey, "no KEM prekey \(kemID) (already used, or never issued)", preKey: .kem(kemID))
        }
        if kemPreKey.isLastResort {
            let used = try await SessionError.store("look up last-resort uses") {
                try await store.hasUsedKEMPreKey(id: kemID, signedPreKeyID: signedPreKeyID, baseKey: baseKey)
            }
            if used {
                throw SessionError(.kemPreKeyReused, "last-resort KEM prekey \(kemID) was already used with this signed prekey and base key",
                                   preKey: .kem(kemID))
            }
        }
        do {
            return try kemPreKey.privateKey.decapsulate(ciphertext.dropFirst())
        } catch {
            throw SessionError(.invalidKey, "KEM ciphertext: \(error.reason)", underlying: error)
        }
    }

    // MARK: Store access

    private func loadRecord() async throws(SessionError) -> SessionRecord? {
        try await SessionError.store("load the session") { try await store.session(for: address) }
    }

    private func saveRecord(_ record: SessionRecord) async throws(SessionError) {
        try await SessionError.store("save the session") { try await store.storeSession(record, for: address) }
    }

    private func requireTrusted(_ identity: IdentityKey, _ direction: TrustDirection) async throws(SessionError) {
        let trusted = try await SessionError.store("check trust") {
            try await store.isTrustedIdentity(identity, for: address, direction: direction)
        }
        guard trusted else {
            throw SessionError(.untrustedIdentity, "the identity key of \(address) changed")
        }
    }
}
