import CrosswireCrypto
import CrosswireWire

/// Names one sender's key in one group. In the legacy layout `groupID` is only the local name of the
/// group (the wire carries a key id); in the distribution-UUID layout it is the 16-byte distribution id.
public struct SenderKeyName: Sendable, Hashable, CustomStringConvertible {
    public let groupID: [UInt8]
    public let sender: ProtocolAddress

    public init(groupID: [UInt8], sender: ProtocolAddress) {
        self.groupID = groupID
        self.sender = sender
    }

    public var description: String { "\(Hex.encode(groupID))/\(sender)" }
}

public protocol SenderKeyStore: Sendable {
    func senderKey(for name: SenderKeyName) async throws -> SenderKeyRecord?
    func storeSenderKey(_ record: SenderKeyRecord, for name: SenderKeyName) async throws
}

/// Sender Keys (SPEC.md §8): one ciphertext per group message, signed by the sender's signing key; the
/// chain key and signing key reach members in SenderKeyDistributionMessages (sent pairwise-encrypted).
/// Failures leave the store unchanged: the record is saved only after a message decrypted.
public struct GroupCipher<Store: SenderKeyStore>: Sendable {
    public let store: Store
    /// This device: the sender of what `encrypt` produces.
    public let localAddress: ProtocolAddress
    let entropy: any EntropySource

    public init(store: Store, localAddress: ProtocolAddress, entropy: any EntropySource = SystemEntropy()) {
        self.store = store
        self.localAddress = localAddress
        self.entropy = entropy
    }

    /// Our distribution message for `groupID`, creating our sender key on first use. For a group we
    /// already send in it carries the *current* iteration, so a late joiner reads only what follows.
    public func distributionMessage(for groupID: [UInt8], layout: SenderKeyLayout = .legacy) async throws -> SenderKeyDistributionMessage {
        let name = SenderKeyName(groupID: groupID, sender: localAddress)
        if layout == .distributionUUID, groupID.count != 16 {
            throw ProtocolError(.invalidArgument, "a distribution-UUID group id is 16 bytes, got \(groupID.count)")
        }
        var record = try await store.senderKey(for: name) ?? SenderKeyRecord(layout: layout, distributionID: layout == .legacy ? [] : groupID)
        guard record.layout == layout else {
            throw ProtocolError(.wrongLayout, "group \(Hex.encode(groupID)) uses the \(record.layout.rawValue) layout")
        }
        if record.states.first?.signingPrivateKey == nil {
            let signing = ECKeyPair.generate(using: entropy)
            let state = SenderKeyState(
                chainID: entropy.uint32() >> 1, chainKey: SenderChainKey(iteration: 0, seed: SecretBytes(randomCount: 32, using: entropy)),
                signingPublicKey: signing.publicKey, signingPrivateKey: signing.privateKey)
            record.add(state)
            try await store.storeSenderKey(record, for: name)
        }
        let state = record.states[0]
        return SenderKeyDistributionMessage(
            layout: layout, distributionID: record.distributionID, chainID: state.chainID, iteration: state.chainKey.iteration,
            chainKey: state.chainKey.seed.unprotectedBytes, signingKey: state.signingPublicKey.serialized)
    }

    /// Stores a member's sender key from their distribution message (layout: the group's).
    public func process(_ bytes: [UInt8], from sender: ProtocolAddress, groupID: [UInt8], layout: SenderKeyLayout = .legacy) async throws {
        let message = try decode { try SenderKeyDistributionMessage(serialized: bytes, layout: layout) }
        let name = SenderKeyName(groupID: groupID, sender: sender)
        if layout == .distributionUUID, message.distributionID != groupID {
            throw ProtocolError(.invalidMessage, "distribution message is for another distribution id")
        }
        var record = try await store.senderKey(for: name) ?? SenderKeyRecord(layout: layout, distributionID: message.distributionID)
        guard record.layout == layout else {
            throw ProtocolError(.wrongLayout, "group \(Hex.encode(groupID)) uses the \(record.layout.rawValue) layout")
        }
        let signingKey: ECPublicKey
        do {
            signingKey = try ECPublicKey(serialized: message.signingKey)
        } catch {
            throw ProtocolError(.invalidKey, "distribution signing key: \(error)")
        }
        record.add(SenderKeyState(
            chainID: message.chainID, chainKey: SenderChainKey(iteration: message.iteration, seed: SecretBytes(message.chainKey)),
            signingPublicKey: signingKey, signingPrivateKey: nil))
        try await store.storeSenderKey(record, for: name)
    }

    public func encrypt(_ plaintext: [UInt8], groupID: [UInt8]) async throws -> SenderKeyMessage {
        let name = SenderKeyName(groupID: groupID, sender: localAddress)
        guard var record = try await store.senderKey(for: name), let state = record.states.first, let signer = state.signingKey else {
            throw ProtocolError(.noSenderKey, "no sender key of ours for group \(Hex.encode(groupID)): create a distribution first")
        }
        let (seed, next) = try state.chainKey.step()
        let keys = try SenderMessageKey(seed: seed, iteration: state.chainKey.iteration)
        let ciphertext = try keys.iv.withUnsafeBytes { iv in
            try plaintext.withUnsafeBytes { try AES256CBC.encrypt($0, key: keys.cipherKey, iv: iv) }
        }
        let message = SenderKeyMessage(
            layout: record.layout, distributionID: record.distributionID, chainID: state.chainID,
            iteration: keys.iteration, ciphertext: ciphertext
        ) { signed in signer.signature(for: signed, using: entropy) }
        record.states[0].chainKey = next
        try await store.storeSenderKey(record, for: name)
        return message
    }

    public func decrypt(_ bytes: [UInt8], from sender: ProtocolAddress, groupID: [UInt8]) async throws -> [UInt8] {
        let name = SenderKeyName(groupID: groupID, sender: sender)
        guard var record = try await store.senderKey(for: name), !record.isEmpty else {
            throw ProtocolError(.noSenderKey, "no sender key from \(sender) in group \(Hex.encode(groupID))")
        }
        let message = try decode { try SenderKeyMessage(serialized: bytes, layout: record.layout) }
        if record.layout == .distributionUUID, message.distributionID != record.distributionID {
            throw ProtocolError(.invalidMessage, "message is for another distribution id")
        }
        guard let index = record.stateIndex(chainID: message.chainID) else {
            throw ProtocolError(.noSenderKey, "no sender key with chain id \(message.chainID) from \(sender)")
        }
        var state = record.states[index]
        guard state.signingPublicKey.isValidSignature(message.signature, for: message.signedBytes) else {
            throw ProtocolError(.invalidSignature, "group message signature does not verify")
        }
        let plaintext: [UInt8]
        if message.iteration < state.chainKey.iteration {
            guard let seed = state.skipped[message.iteration] else {
                throw ProtocolError(.duplicateMessage, "group message \(message.iteration) was already received (or is too old)")
            }
            plaintext = try open(message, keys: SenderMessageKey(seed: seed, iteration: message.iteration))
            state.skipped[message.iteration] = nil
        } else {
            let jump = message.iteration - state.chainKey.iteration
            guard jump <= GroupLimits.maxForwardJump else {
                throw ProtocolError(.tooFarInFuture, "group message iteration is \(jump) ahead (limit \(GroupLimits.maxForwardJump))")
            }
            var chain = state.chainKey
            var skipped: [(UInt32, SecretBytes)] = []
            let keepFrom = message.iteration > UInt32(GroupLimits.maxSkippedKeys) ? message.iteration - UInt32(GroupLimits.maxSkippedKeys) : 0
            while chain.iteration < message.iteration {
                let (seed, next) = try chain.step()
                if chain.iteration >= keepFrom { skipped.append((chain.iteration, seed)) }
                chain = next
            }
            let (seed, next) = try chain.step()
            plaintext = try open(message, keys: SenderMessageKey(seed: seed, iteration: message.iteration))
            for (iteration, skippedSeed) in skipped { state.storeSkipped(skippedSeed, for: iteration) }
            state.chainKey = next
        }
        record.states[index] = state
        try await store.storeSenderKey(record, for: name)
        return plaintext
    }

    private func open(_ message: SenderKeyMessage, keys: SenderMessageKey) throws -> [UInt8] {
        do {
            return try keys.iv.withUnsafeBytes { iv in
                try message.ciphertext.withUnsafeBytes { try AES256CBC.decrypt($0, key: keys.cipherKey, iv: iv) }
            }
        } catch {
            throw ProtocolError(.invalidCiphertext, "signed group ciphertext does not decrypt: \(error)")
        }
    }

    private func decode<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as WireFormatError where error.code == .wrongLayout {
            throw ProtocolError(.wrongLayout, error.reason)
        } catch let error as WireFormatError {
            throw ProtocolError(.invalidMessage, "\(error.code): \(error.reason)")
        }
    }
}
