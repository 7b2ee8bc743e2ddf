@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// Sender Keys (SPEC.md §8): one ciphertext per group message, signed by the sender's signing key; the
/// chain key and signing key reach members in SenderKeyDistributionMessages (sent pairwise-encrypted).
/// Each operation is one store transaction scoped to its sender key name: concurrent sends in one
/// group never share an iteration, and a failure leaves the store unchanged. Errors are `GroupError`s
/// naming the sender; a store's own error comes through as `storeFailure`.
public struct GroupCipher<Store: SignalProtocolStore>: Sendable {
    /// Where sender key records live; each operation is one transaction on it.
    public let store: Store
    /// This device: the sender of what `encrypt` produces.
    public let localAddress: ProtocolAddress
    let entropy: any EntropySource

    /// A cipher that sends as `localAddress`; `entropy` (new sender keys, signatures) is injectable for tests.
    public init(store: Store, localAddress: ProtocolAddress, entropy: any EntropySource = SystemEntropy()) {
        self.store = store
        self.localAddress = localAddress
        self.entropy = entropy
    }

    /// Our distribution message for `groupID`, creating our sender key on first use. For a group we
    /// already send in it carries the *current* iteration, so a late joiner reads only what follows.
    nonisolated(nonsending) public func distributionMessage(for groupID: [UInt8], layout: SenderKeyLayout = .legacy) async throws(GroupError) -> SenderKeyDistributionMessage {
        let name = SenderKeyName(groupID: groupID, sender: localAddress)
        if layout == .distributionUUID, groupID.count != 16 {
            throw GroupError(.invalidArgument, "a distribution-UUID group id is 16 bytes, got \(groupID.count)").about(localAddress)
        }
        let entropy = entropy
        return try await inTransaction(name) { (transaction: inout Store.Transaction) throws(GroupError) in
            var record = try Self.load(name, transaction) ?? SenderKeyRecord(layout: layout, distributionID: layout == .legacy ? [] : groupID)
            try Self.requireLayout(layout, of: record, groupID: groupID, sender: name.sender)
            let state: OutboundSenderKeyState
            if let existing = record.outbound {
                state = existing
            } else {
                state = OutboundSenderKeyState.generate(using: entropy)
                record.add(.outbound(state))
                try Self.save(record, name, &transaction)
            }
            return SenderKeyDistributionMessage(
                layout: layout, distributionID: record.distributionID, chainID: state.chainID, iteration: state.iteration,
                chainKey: state.chainKey.key, signingKey: state.signingPublicKey.serialized)
        }
    }

    /// Stores a member's sender key from their distribution message (layout: the group's).
    nonisolated(nonsending) public func process(_ bytes: [UInt8], from sender: ProtocolAddress, groupID: [UInt8], layout: SenderKeyLayout = .legacy) async throws(GroupError) {
        let message: SenderKeyDistributionMessage
        do {
            message = try GroupError.decode("distribution message") { try SenderKeyDistributionMessage(serialized: bytes, layout: layout) }
        } catch {
            throw error.about(sender)
        }
        try await inTransaction(SenderKeyName(groupID: groupID, sender: sender)) { (transaction: inout Store.Transaction) throws(GroupError) in
            try Self.store(message, from: sender, groupID: groupID, in: &transaction)
        }
    }

    /// The body of `process`, inside a caller's transaction (the cross-app client stores a distribution
    /// in the transaction that decrypted the message carrying it).
    static func store(_ message: SenderKeyDistributionMessage, from sender: ProtocolAddress, groupID: [UInt8],
                      in transaction: inout Store.Transaction) throws(GroupError) {
        let name = SenderKeyName(groupID: groupID, sender: sender)
        if message.layout == .distributionUUID, message.distributionID != groupID {
            throw GroupError(.invalidMessage, "distribution message is for another distribution id").about(sender)
        }
        let signingKey: ECPublicKey
        do {
            signingKey = try ECPublicKey(serialized: message.signingKey)
        } catch {
            throw GroupError(.invalidKey, "distribution signing key: \(error.reason)", underlying: error).about(sender)
        }
        var record = try Self.load(name, transaction) ?? SenderKeyRecord(layout: message.layout, distributionID: message.distributionID)
        try Self.requireLayout(message.layout, of: record, groupID: groupID, sender: sender)
        let chainKey = ChainKey(message.chainKey, index: message.iteration)
        record.add(.inbound(InboundSenderKeyState(chainID: message.chainID, chainKey: chainKey, signingPublicKey: signingKey)))
        try Self.save(record, name, &transaction)
    }

    /// One signed ciphertext for every member of `groupID`, on our newest chain, which advances. Throws
    /// `noSenderKey` until `distributionMessage(for:layout:)` has created our sender key.
    nonisolated(nonsending) public func encrypt(_ plaintext: [UInt8], groupID: [UInt8]) async throws(GroupError) -> SenderKeyMessage {
        let name = SenderKeyName(groupID: groupID, sender: localAddress)
        let entropy = entropy
        return try await inTransaction(name) { (transaction: inout Store.Transaction) throws(GroupError) in
            guard var record = try Self.load(name, transaction), var state = record.outbound else {
                throw GroupError(.noSenderKey, "no sender key of ours for group \(Hex.encode(groupID)): create a distribution first")
            }
            let (seed, next): (SymmetricKey256, ChainKey)
            do {
                (seed, next) = try state.chainKey.step()
            } catch {
                throw GroupError(.invalidArgument, "our sender chain is exhausted (2^32 messages)", chainID: state.chainID, iteration: state.iteration)
            }
            let keys = SenderMessageKey(seed: seed, iteration: state.iteration)
            let ciphertext: [UInt8]
            do {
                ciphertext = try keys.iv.withUnsafeBytes { iv in
                    try plaintext.withUnsafeBytes { try AES256CBC.encrypt($0, key: keys.cipherKey, iv: iv) }
                }
            } catch {
                throw GroupError(.invalidArgument, "AES-CBC refused the message", underlying: error)
            }
            let signer = state.signer
            let message = SenderKeyMessage(
                layout: record.layout, distributionID: record.distributionID, chainID: state.chainID,
                iteration: keys.iteration, ciphertext: ciphertext
            ) { signed in signer.signature(for: signed, using: entropy) }
            state.chainKey = next
            record.states[0] = .outbound(state)
            try Self.save(record, name, &transaction)
            return message
        }
    }

    /// Verifies and decrypts `sender`'s group message in the layout of the group's record; the record is
    /// saved only when the message decrypted.
    nonisolated(nonsending) public func decrypt(_ bytes: [UInt8], from sender: ProtocolAddress, groupID: [UInt8]) async throws(GroupError) -> [UInt8] {
        try await inTransaction(SenderKeyName(groupID: groupID, sender: sender)) { (transaction: inout Store.Transaction) throws(GroupError) in
            try Self.decrypt(bytes, from: sender, groupID: groupID, in: &transaction)
        }
    }

    /// The body of `decrypt`, inside a caller's transaction, so what the caller writes with the
    /// plaintext commits with the chain step or not at all.
    static func decrypt(_ bytes: [UInt8], from sender: ProtocolAddress, groupID: [UInt8],
                        in transaction: inout Store.Transaction) throws(GroupError) -> [UInt8] {
        let name = SenderKeyName(groupID: groupID, sender: sender)
        guard var record = try Self.load(name, transaction), !record.isEmpty else {
            throw GroupError(.noSenderKey, "no sender key from \(sender) in group \(Hex.encode(groupID))")
        }
        let message = try GroupError.decode("group message") { try SenderKeyMessage(serialized: bytes, layout: record.layout) }
        if record.layout == .distributionUUID, message.distributionID != record.distributionID {
            throw GroupError(.invalidMessage, "message is for another distribution id")
        }
        guard let (index, state) = record.inbound(chainID: message.chainID) else {
            throw GroupError(.noSenderKey, "no sender chain \(message.chainID) from \(sender)", chainID: message.chainID, iteration: message.iteration)
        }
        let (plaintext, updated) = try Self.open(message, with: state)
        record.states[index] = .inbound(updated)
        try Self.save(record, name, &transaction)
        return plaintext
    }

    // MARK: Decryption on a copy

    /// Verifies and decrypts `message` on a copy of `state`; returns the plaintext and the state to save.
    private static func open(_ message: SenderKeyMessage, with state: InboundSenderKeyState) throws(GroupError) -> ([UInt8], InboundSenderKeyState) {
        guard state.signingPublicKey.isValidSignature(message.signature, for: message.signedBytes) else {
            throw GroupError(.invalidSignature, "group message signature does not verify", chainID: message.chainID, iteration: message.iteration)
        }
        var state = state
        if message.iteration < state.iteration {
            guard let seed = state.skipped.seed(for: message.iteration) else {
                throw GroupError(.duplicateMessage, "group message \(message.iteration) was already received (or is too old)",
                                 chainID: message.chainID, iteration: message.iteration)
            }
            let plaintext = try decrypt(message, keys: SenderMessageKey(seed: seed, iteration: message.iteration))
            state.skipped.remove(message.iteration)
            return (plaintext, state)
        }
        let advance: ChainAdvance
        do {
            advance = try state.chainKey.advance(to: message.iteration, limits: GroupLimits.chain)
        } catch {
            switch error {
            case .tooFarAhead(let jump, let limit):
                throw GroupError(.tooFarInFuture, "group message iteration is \(jump) ahead (limit \(limit))",
                                 chainID: message.chainID, iteration: message.iteration)
            case .overBudget(let steps, let remaining):
                throw GroupError(.tooFarInFuture, "group message needs \(steps) chain steps, \(remaining) allowed",
                                 chainID: message.chainID, iteration: message.iteration)
            case .exhausted:
                throw GroupError(.invalidArgument, "sender key iteration would overflow 32 bits", chainID: message.chainID, iteration: message.iteration)
            }
        }
        let plaintext = try decrypt(message, keys: SenderMessageKey(seed: advance.seed, iteration: message.iteration))
        state.skipped.insert(advance.skipped)
        state.chainKey = advance.next
        return (plaintext, state)
    }

    private static func decrypt(_ message: SenderKeyMessage, keys: SenderMessageKey) throws(GroupError) -> [UInt8] {
        do {
            return try keys.iv.withUnsafeBytes { iv in
                try message.ciphertext.withUnsafeBytes { try AES256CBC.decrypt($0, key: keys.cipherKey, iv: iv) }
            }
        } catch {
            throw GroupError(.invalidCiphertext, "signed group ciphertext does not decrypt", underlying: error)
        }
    }

    // MARK: Store access

    private static func requireLayout(_ layout: SenderKeyLayout, of record: SenderKeyRecord, groupID: [UInt8], sender: ProtocolAddress) throws(GroupError) {
        guard record.layout == layout else {
            throw GroupError(.wrongLayout, "group \(Hex.encode(groupID)) uses the \(record.layout.rawValue) layout").about(sender)
        }
    }

    /// Runs `body` as one store transaction on `name`; every error names the sender.
    nonisolated(nonsending) private func inTransaction<Result: Sendable>(
        _ name: SenderKeyName, _ body: @escaping @Sendable (inout Store.Transaction) throws(GroupError) -> Result
    ) async throws(GroupError) -> Result {
        do {
            return try await store.transaction(.senderKey(name)) { (transaction: inout Store.Transaction) throws in try body(&transaction) }
        } catch let error as GroupError {
            throw error.about(name.sender)
        } catch {
            throw GroupError(.storeFailure, "the store's transaction failed: \(error)", underlying: error).about(name.sender)
        }
    }

    private static func load(_ name: SenderKeyName, _ transaction: Store.Transaction) throws(GroupError) -> SenderKeyRecord? {
        try GroupError.store("load a sender key") { try transaction.senderKey(for: name) }
    }

    private static func save(_ record: SenderKeyRecord, _ name: SenderKeyName, _ transaction: inout Store.Transaction) throws(GroupError) {
        try GroupError.store("save a sender key") { try transaction.storeSenderKey(record, for: name) }
    }
}
