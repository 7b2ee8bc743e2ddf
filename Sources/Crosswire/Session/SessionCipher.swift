import CrosswireCrypto
import CrosswireWire

/// Session management against the store, as deployed Signal clients do it (SPEC.md §5.6): building a
/// session from a bundle, encrypting, and decrypting both message types with trial decryption over
/// archived states. Each operation is one store transaction (``SignalProtocolStore``): it loads,
/// works and writes inside it, so it commits whole or not at all, and concurrent operations on one
/// address run one after the other; a failure leaves every store unchanged. Errors are `SessionError`s
/// naming `address`; a store's own error comes through as `storeFailure` with the store's error as
/// `underlying`.
public struct SessionCipher<Store: SignalProtocolStore>: Sendable {
    /// Where the session, identities and prekeys live; each operation is one transaction on it.
    public let store: Store
    /// The peer device this cipher talks to; every error it throws names it.
    public let address: ProtocolAddress
    /// Which sessions to start, accept and keep using.
    public let policy: SessionPolicy
    let entropy: any EntropySource
    let now: @Sendable () -> UInt64
    /// Vector replay only (see `X3DH.Encapsulator`).
    package var encapsulate: X3DH.Encapsulator = X3DH.encapsulate

    /// A cipher for the session with `address`. Cheap: make one per call or keep one per peer. `entropy`
    /// (base and ratchet keys) and `now` (milliseconds since 1970, for session age) are injectable for
    /// tests and vectors.
    public init(store: Store, address: ProtocolAddress, policy: SessionPolicy = SessionPolicy(),
                entropy: any EntropySource = SystemEntropy(), now: @escaping @Sendable () -> UInt64 = Timestamp.now) {
        self.store = store
        self.address = address
        self.policy = policy
        self.entropy = entropy
        self.now = now
    }

    /// Starts a session from the peer's bundle (initiator side of X3DH). The bundle's signature was
    /// checked when it was built; the identity must be trusted for sending.
    nonisolated(nonsending) public func process(_ bundle: PreKeyBundle) async throws(SessionError) {
        try await inTransaction { (transaction: inout Store.Transaction) throws in try processBundle(bundle, in: &transaction) }
    }

    /// Encrypts with the current session and commits the advanced chain before returning, so a counter
    /// is never handed out twice. Send `serialized` with `kind`: a PreKey message until the peer
    /// replied. Throws `noSession` before `process(_:)` or a first received message, or once a session
    /// we started went unanswered longer than `policy.maxUnacknowledgedSessionAge`; `untrustedIdentity`
    /// if the peer's key is no longer trusted.
    nonisolated(nonsending) public func encrypt(_ plaintext: [UInt8]) async throws(SessionError) -> CiphertextMessage {
        try await inTransaction { (transaction: inout Store.Transaction) throws in try encryptMessage(plaintext, in: &transaction) }
    }

    /// Encrypts and runs `body` in the same transaction, before it commits: what `body` writes (the
    /// ciphertext in an app's outbox table) commits with the chain step, so a crash keeps both or
    /// neither and an acknowledged send is never lost nor re-encrypted under a used counter.
    nonisolated(nonsending) public func encrypt<Result: Sendable>(
        _ plaintext: [UInt8], then body: @escaping @Sendable (inout Store.Transaction, CiphertextMessage) throws -> Result
    ) async throws(SessionError) -> Result {
        try await inTransaction { (transaction: inout Store.Transaction) throws in
            let message = try encryptMessage(plaintext, in: &transaction)
            return try body(&transaction, message)
        }
    }

    /// Decrypts a message of either kind, as the transport labelled it.
    nonisolated(nonsending) public func decrypt(_ bytes: [UInt8], kind: MessageKind) async throws(SessionError) -> [UInt8] {
        try await decrypt(bytes, kind: kind) { _, message in message.plaintext }
    }

    /// Decrypts a message of either kind and runs `body` in the same transaction, before it commits:
    /// what `body` writes through the transaction (the message, in an app's own tables) commits with the
    /// ratchet step, and if `body` throws neither does. This is how receive-then-store becomes exactly
    /// once: a crash either keeps both or neither, and a retried message is a `duplicateMessage`.
    nonisolated(nonsending) public func decrypt<Result: Sendable>(
        _ bytes: [UInt8], kind: MessageKind,
        then body: @escaping @Sendable (inout Store.Transaction, DecryptedMessage) throws -> Result
    ) async throws(SessionError) -> Result {
        switch kind {
        case .signal:
            let message: SignalMessage
            do { message = try SessionError.decode("SignalMessage") { try SignalMessage(serialized: bytes) } } catch { throw error.about(address) }
            return try await decrypt(message, then: body)
        case .preKey:
            let message: PreKeySignalMessage
            do { message = try SessionError.decode("PreKeySignalMessage") { try PreKeySignalMessage(serialized: bytes) } } catch { throw error.about(address) }
            return try await decrypt(message, then: body)
        case .senderKey: throw SessionError(.invalidMessage, "a Sender Key message goes to GroupCipher, not SessionCipher").about(address)
        }
    }

    /// Decrypts a decoded SignalMessage with the current session, then each archived one (trial
    /// decryption); the one that decrypts becomes current.
    nonisolated(nonsending) public func decrypt(_ message: SignalMessage) async throws(SessionError) -> [UInt8] {
        try await decrypt(message) { _, message in message.plaintext }
    }

    /// Decrypts a SignalMessage as above, with the app's own writes in the same transaction.
    nonisolated(nonsending) public func decrypt<Result: Sendable>(
        _ message: SignalMessage, then body: @escaping @Sendable (inout Store.Transaction, DecryptedMessage) throws -> Result
    ) async throws(SessionError) -> Result {
        try await inTransaction { (transaction: inout Store.Transaction) throws in
            let plaintext = try decryptSignal(message, in: &transaction)
            return try body(&transaction, DecryptedMessage(plaintext: plaintext, identityChange: nil))
        }
    }

    /// The responder side: builds (or finds) the session the message starts, then decrypts its inner
    /// message with that session; the one-time prekey is removed in the same transaction.
    nonisolated(nonsending) public func decrypt(_ message: PreKeySignalMessage) async throws(SessionError) -> [UInt8] {
        try await decrypt(message) { _, message in message.plaintext }
    }

    /// Decrypts a PreKeySignalMessage as above, with the app's own writes in the same transaction.
    nonisolated(nonsending) public func decrypt<Result: Sendable>(
        _ message: PreKeySignalMessage, then body: @escaping @Sendable (inout Store.Transaction, DecryptedMessage) throws -> Result
    ) async throws(SessionError) -> Result {
        try await inTransaction { (transaction: inout Store.Transaction) throws in
            let decrypted = try decryptPreKey(message, in: &transaction)
            return try body(&transaction, decrypted)
        }
    }

    // MARK: Operations, each inside one transaction

    private func processBundle(_ bundle: PreKeyBundle, in transaction: inout Store.Transaction) throws(SessionError) {
        if policy.requirePostQuantum, !bundle.isPostQuantum {
            throw SessionError(.postQuantumRequired, "the bundle of \(address) has no KEM prekey and local policy requires PQXDH")
        }
        try requireTrusted(bundle.identityKey, .sending, in: transaction)
        let identity = try SessionError.store("load the identity key pair") { try transaction.identityKeyPair() }
        let registrationID = try SessionError.store("load the registration id") { try transaction.localRegistrationID() }
        var state = try X3DH.initiate(identity: identity, localRegistrationID: registrationID, bundle: bundle,
                                      using: entropy, encapsulate: encapsulate)
        state.pendingPreKey?.createdAt = now()
        var record = try loadRecord(transaction) ?? SessionRecord()
        record.promote(state)
        try SessionError.store("save the identity") { try transaction.saveIdentity(bundle.identityKey, for: address) }
        try saveRecord(record, in: &transaction)
    }

    private func encryptMessage(_ plaintext: [UInt8], in transaction: inout Store.Transaction) throws(SessionError) -> CiphertextMessage {
        guard var record = try loadRecord(transaction), record.current != nil else {
            throw SessionError(.noSession, "no session with \(address)")
        }
        // Read what is needed rather than copy the state: a copy would share the chain key's buffer.
        if let pending = record.current!.pendingPreKey, pending.createdAt != 0 {
            let age = now() &- pending.createdAt
            if now() > pending.createdAt, age > policy.maxUnacknowledgedSessionAge {
                throw SessionError(.noSession, "the session with \(address) went unanswered for \(age / 3_600_000) h (limit \(policy.maxUnacknowledgedSessionAge / 3_600_000) h): fetch a new bundle")
            }
        }
        try requireTrusted(record.current!.remoteIdentity, .sending, in: transaction)
        let message = try record.encrypt(plaintext)
        try saveRecord(record, in: &transaction)
        return message
    }

    private func decryptSignal(_ message: SignalMessage, in transaction: inout Store.Transaction) throws(SessionError) -> [UInt8] {
        guard var record = try loadRecord(transaction) else {
            throw SessionError(.noSession, "no session with \(address)")
        }
        let plaintext = try record.decrypt(message, using: entropy)
        let remote = record.current!.remoteIdentity
        try requireTrusted(remote, .receiving, in: transaction)
        // A session's identity was saved when the session was built; saving it again here would let a
        // late message on an archived session of a replaced key bring the old key back.
        if try SessionError.store("load the identity", { try transaction.identity(for: address) }) == nil {
            try SessionError.store("save the identity") { try transaction.saveIdentity(remote, for: address) }
        }
        try saveRecord(record, in: &transaction)
        return plaintext
    }

    private func decryptPreKey(_ message: PreKeySignalMessage, in transaction: inout Store.Transaction) throws(SessionError) -> DecryptedMessage {
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
        try requireTrusted(theirIdentity, .receiving, in: transaction)
        var record = try loadRecord(transaction) ?? SessionRecord()
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
                kemSecret = try decapsulate(kemID: KEMPreKeyID(kemID), ciphertext: ciphertext, signedPreKeyID: signedPreKeyID, baseKey: baseKey, in: transaction)
                usedKEMPreKey = KEMPreKeyID(kemID)
            }
            guard let signedPreKey = try SessionError.store("load a signed prekey", { try transaction.signedPreKey(id: signedPreKeyID) }) else {
                throw SessionError(.unknownSignedPreKey, "no signed prekey \(signedPreKeyID)", preKey: .signed(signedPreKeyID))
            }
            var oneTime: OneTimePreKey?
            if let raw = message.preKeyID {
                let id = PreKeyID(raw)
                guard let found = try SessionError.store("load a one-time prekey", { try transaction.preKey(id: id) }) else {
                    throw SessionError(.unknownPreKey, "no one-time prekey \(id) (already used, or never issued)", preKey: .oneTime(id))
                }
                oneTime = found
                usedPreKey = id
            }
            let identity = try SessionError.store("load the identity key pair") { try transaction.identityKeyPair() }
            let registrationID = try SessionError.store("load the registration id") { try transaction.localRegistrationID() }
            let state = try X3DH.respond(
                identity: identity, localRegistrationID: registrationID,
                signedPreKey: signedPreKey.keyPair, oneTimePreKey: oneTime?.keyPair,
                theirIdentity: theirIdentity, theirBaseKey: baseKey,
                theirRegistrationID: RegistrationID(unchecked: message.registrationID), kemSharedSecret: kemSecret)
            record.promote(state)
        }
        // Only the session this message belongs to may decrypt its inner message.
        guard record.current != nil else { throw SessionError(.noSession, "no session after processing") }
        var budget = DecryptionBudget()
        let plaintext = try record.current!.decrypt(message.message, budget: &budget, using: entropy)
        let previous = try SessionError.store("load the identity") { try transaction.identity(for: address) }
        try SessionError.store("save the identity") { try transaction.saveIdentity(theirIdentity, for: address) }
        try saveRecord(record, in: &transaction)
        if let usedPreKey {
            try SessionError.store("remove a used one-time prekey") { try transaction.removePreKey(id: usedPreKey) }
        }
        if let usedKEMPreKey {
            try SessionError.store("mark a KEM prekey used") {
                try transaction.markKEMPreKeyUsed(id: usedKEMPreKey, signedPreKeyID: signedPreKeyID, baseKey: baseKey)
            }
        }
        let change = previous.flatMap { $0 == theirIdentity ? nil : IdentityChange(address: address, previous: $0, current: theirIdentity) }
        return DecryptedMessage(plaintext: plaintext, identityChange: change)
    }

    /// The KEM half of PQXDH on the responder side: load the prekey, refuse a replayed last-resort
    /// triple, decapsulate. The triple is marked in the same transaction, so check and mark are atomic.
    private func decapsulate(kemID: KEMPreKeyID, ciphertext: [UInt8], signedPreKeyID: SignedPreKeyID, baseKey: ECPublicKey,
                             in transaction: Store.Transaction) throws(SessionError) -> SecretBytes {
        guard let kemPreKey = try SessionError.store("load a KEM prekey", { try transaction.kemPreKey(id: kemID) }) else {
            throw SessionError(.unknownKEMPreKey, "no KEM prekey \(kemID) (already used, or never issued)", preKey: .kem(kemID))
        }
        if kemPreKey.isLastResort {
            let used = try SessionError.store("look up last-resort uses") {
                try transaction.hasUsedKEMPreKey(id: kemID, signedPreKeyID: signedPreKeyID, baseKey: baseKey)
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

    /// Runs `body` as one store transaction on this address; the store's own failures (opening,
    /// committing) become `storeFailure`, and every error names the address.
    nonisolated(nonsending) private func inTransaction<Result: Sendable>(
        _ body: @Sendable (inout Store.Transaction) throws -> Result
    ) async throws(SessionError) -> Result {
        do {
            return try await store.transaction(.session(address), body)
        } catch let error as SessionError {
            throw error.about(address)
        } catch {
            throw SessionError(.storeFailure, "the store's transaction failed: \(error)", underlying: error).about(address)
        }
    }

    private func loadRecord(_ transaction: Store.Transaction) throws(SessionError) -> SessionRecord? {
        try SessionError.store("load the session") { try transaction.session(for: address) }
    }

    private func saveRecord(_ record: SessionRecord, in transaction: inout Store.Transaction) throws(SessionError) {
        try SessionError.store("save the session") { try transaction.storeSession(record, for: address) }
    }

    private func requireTrusted(_ identity: IdentityKey, _ direction: TrustDirection, in transaction: Store.Transaction) throws(SessionError) {
        let trusted = try SessionError.store("check trust") {
            try transaction.isTrustedIdentity(identity, for: address, direction: direction)
        }
        guard trusted else {
            throw SessionError(.untrustedIdentity, "the identity key of \(address) changed")
        }
    }
}
