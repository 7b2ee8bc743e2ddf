@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// One Double Ratchet session with one peer device (libsignal's `SessionStructure`). A value type:
/// decryption computes everything on the side and only `apply`s the result once the MAC verified, so
/// a failed message leaves the state exactly as it was.
public struct SessionState: Sendable {
    var version: MessageVersion
    var localIdentity: IdentityKey
    var remoteIdentity: IdentityKey
    var rootKey: RootKey
    var previousCounter: UInt32
    var sendingChain: SendingChain
    /// Oldest first; at most `SessionLimits.maxReceivingChains`.
    var receivingChains: [ReceivingChain]
    var pendingPreKey: PendingPreKey?
    var localRegistrationID: RegistrationID
    var remoteRegistrationID: RegistrationID
    /// The initiator's base key: the session's identity (repeat PreKey messages, promotion).
    var aliceBaseKey: ECPublicKey

    /// v3 (X3DH) or v4 (PQXDH).
    public var sessionVersion: MessageVersion { version }
    /// The peer's identity key, as the handshake authenticated it.
    public var remoteIdentityKey: IdentityKey { remoteIdentity }
    /// Our identity key in this session.
    public var localIdentityKey: IdentityKey { localIdentity }
    /// The registration id the peer sent (or published in its bundle).
    public var remoteRegistration: RegistrationID { remoteRegistrationID }
    /// The initiator's base key, which names this session.
    public var baseKey: ECPublicKey { aliceBaseKey }
    /// Whether outgoing messages are still wrapped in PreKeySignalMessages (no reply decrypted yet).
    public var hasPendingPreKey: Bool { pendingPreKey != nil }

    // MARK: Encrypt

    /// Encrypts with the current sending chain and advances it. Steady state allocates only the message:
    /// the seed, next chain key and message keys live in a wiped stack scratch, the keyed HMAC states on
    /// the stack, AES writes into the message buffer and the MAC is computed over it in place; the chain
    /// key is rewritten in its own buffer. Nothing changes unless the message was built.
    mutating func encrypt(_ plaintext: UnsafeRawBufferPointer) throws(SessionError) -> CiphertextMessage {
        let counter = sendingChain.chainKey.index
        guard counter < UInt32.max else {
            throw SessionError(.invalidArgument, "the sending chain is exhausted (2^32 messages)")
        }
        let message: SignalMessage
        do {
            message = try Self.seal(
                plaintext, chain: &sendingChain.chainKey, version: version, ratchetKey: sendingChain.ratchetKeyPair.publicKey,
                previousCounter: previousCounter, sender: localIdentity.publicKey, receiver: remoteIdentity.publicKey)
        } catch {
            throw SessionError(.invalidArgument, "AES-CBC refused the message: \(error.reason)", underlying: error)
        }
        guard let pending = pendingPreKey else { return .signal(message) }
        return .preKey(PreKeySignalMessage(
            version: version, registrationID: localRegistrationID.rawValue, preKeyID: pending.preKeyID?.rawValue,
            signedPreKeyID: pending.signedPreKeyID.rawValue, baseKey: pending.baseKey.serialized,
            identityKey: localIdentity.serialized, message: message,
            kemPreKeyID: pending.kemPreKeyID?.rawValue, kemCiphertext: pending.kemCiphertext))
    }

    /// One chain step and the SignalMessage it keys, in one buffer; `chain` moves forward only once
    /// the message is built. Static, with the few values it needs passed in, so that no copy of the
    /// state is made for the closures. The MAC covers sender identity ‖ receiver identity ‖ version ‖
    /// protobuf, each identity serialized on the stack.
    private static func seal(
        _ plaintext: UnsafeRawBufferPointer, chain: inout ChainKey, version: MessageVersion, ratchetKey: ECPublicKey,
        previousCounter: UInt32, sender: ECPublicKey, receiver: ECPublicKey
    ) throws(CryptoError) -> SignalMessage {
        let counter = chain.index
        return try SecretScratch.with { (scratch) throws(CryptoError) -> SignalMessage in
            let seed = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<32])
            let next = UnsafeMutableRawBufferPointer(rebasing: scratch[32..<64])
            let keys = UnsafeRawBufferPointer(rebasing: scratch[64..<(64 + MessageKeys.byteCount)])
            chain.key.withUnsafeBytes { ChainKey.step(key: $0, seed: seed, next: next) }
            MessageKeys.derive(seed: UnsafeRawBufferPointer(seed), into: UnsafeMutableRawBufferPointer(mutating: keys))
            let message = try sender.withSerializedBytes { (senderBytes) throws(CryptoError) -> SignalMessage in
                try receiver.withSerializedBytes { (receiverBytes) throws(CryptoError) -> SignalMessage in
                    try ratchetKey.withSerializedBytes { (ratchetKeyBytes) throws(CryptoError) -> SignalMessage in
                        try SignalMessage(
                            version: version, ratchetKey: ratchetKeyBytes, counter: counter, previousCounter: previousCounter,
                            ciphertextCount: AES256CBC.ciphertextCount(forPlaintextCount: plaintext.count),
                            encrypt: { (out) throws(CryptoError) in
                                try AES256CBC.encrypt(plaintext, key: MessageKeys.cipherKey(keys), iv: MessageKeys.iv(keys), into: out)
                            },
                            mac: { authenticated, tag in
                                var full = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
                                withUnsafeMutableBytes(of: &full) { out in
                                    HMACState.withKey(MessageKeys.macKey(keys)) { $0.mac(senderBytes, receiverBytes, authenticated, into: out) }
                                    tag.copyMemory(from: UnsafeRawBufferPointer(rebasing: out[0..<WireLimits.macBytes]))
                                }
                            })
                    }
                }
            }
            chain.moveForward(to: UnsafeRawBufferPointer(next))
            return message
        }
    }

    // MARK: Decrypt

    /// Decrypts `message` and, only once its MAC and padding checked out, advances the state; a message
    /// that fails leaves the state exactly as it was. The counter may be at most `maxJump` ahead of its
    /// chain, and the work is charged to `budget` before it is done. The next message of an existing
    /// chain (the steady state) allocates only the plaintext; gaps, skipped keys and new chains take the
    /// general path.
    mutating func decrypt(
        _ message: SignalMessage, maxJump: UInt32 = SessionLimits.chain.maxForwardJump,
        budget: inout DecryptionBudget, using entropy: some EntropySource
    ) throws(SessionError) -> [UInt8] {
        if message.version == version,
           let theirRatchetKey = try? ECPublicKey(serialized: message.ratchetKeyBytes),
           let chainIndex = receivingChains.lastIndex(where: { $0.ratchetKey == theirRatchetKey }),
           receivingChains[chainIndex].chainKey.index == message.counter, message.counter < UInt32.max {
            guard budget.spendChainSteps(1) else {
                throw SessionError(.tooFarInFuture, "counter \(message.counter) needs 1 chain step; this message has \(budget.remainingChainSteps) left",
                                   ratchetKey: theirRatchetKey, counter: message.counter)
            }
            let plaintext = try Self.open(message, chain: &receivingChains[chainIndex].chainKey,
                                          sender: remoteIdentity.publicKey, receiver: localIdentity.publicKey)
            // Any message decrypted in this session is the reply the initiator was waiting for.
            pendingPreKey = nil
            return plaintext
        }
        let (plaintext, commit) = try prepareDecrypt(message, maxJump: maxJump, budget: &budget, using: entropy)
        apply(commit)
        return plaintext
    }

    /// What a successful decryption changes; applied only after the MAC and padding checked out.
    enum Commit {
        /// A stored skipped key was used.
        case usedSkippedKey(chain: Int, counter: UInt32)
        /// An existing receiving chain advanced, storing the seeds it skipped.
        case advanced(chain: Int, chainKey: ChainKey, skipped: [(UInt32, SymmetricKey256)])
        /// A new ratchet epoch: new root, new receiving chain, new sending chain.
        case ratchetStep(rootKey: RootKey, receiving: ReceivingChain, sending: SendingChain, previousCounter: UInt32)
    }

    /// The general path of `decrypt`: computes without changing anything and returns the plaintext and
    /// the change to `apply`.
    private func prepareDecrypt(
        _ message: SignalMessage, maxJump: UInt32 = SessionLimits.chain.maxForwardJump,
        budget: inout DecryptionBudget, using entropy: some EntropySource
    ) throws(SessionError) -> (plaintext: [UInt8], commit: Commit) {
        guard message.version == version else {
            throw SessionError(.versionMismatch, "message version \(message.version), session version \(version)")
        }
        let theirRatchetKey: ECPublicKey
        do {
            theirRatchetKey = try ECPublicKey(serialized: message.ratchetKeyBytes)
        } catch {
            throw SessionError(.invalidKey, "message ratchet key: \(error.reason)", underlying: error)
        }
        let counter = message.counter

        if let chainIndex = receivingChains.lastIndex(where: { $0.ratchetKey == theirRatchetKey }) {
            let chain = receivingChains[chainIndex]
            if counter < chain.chainKey.index {
                guard let seed = chain.skipped.seed(for: counter) else {
                    throw SessionError(.duplicateMessage, "message \(counter) of this chain was already received (or is too old)",
                                       ratchetKey: theirRatchetKey, counter: counter)
                }
                let plaintext = try open(message, seed: seed)
                return (plaintext, .usedSkippedKey(chain: chainIndex, counter: counter))
            }
            let advance = try Self.advance(chain.chainKey, to: counter, maxJump: maxJump, budget: &budget, on: theirRatchetKey)
            let plaintext = try open(message, seed: advance.seed)
            return (plaintext, .advanced(chain: chainIndex, chainKey: advance.next, skipped: advance.skipped))
        }

        // A new ratchet key from the peer: DH ratchet step (receiving, then sending). The jump and the
        // budget are checked before the agreement, so a header refused for them costs no X25519.
        let limit = min(maxJump, SessionLimits.chain.maxForwardJump)
        guard counter <= limit else {
            throw SessionError(.tooFarInFuture, "counter \(counter) in a new chain exceeds the jump limit \(limit)",
                               ratchetKey: theirRatchetKey, counter: counter)
        }
        guard counter < budget.remainingChainSteps, budget.spendAgreement() else {
            throw SessionError(.tooFarInFuture, "a new chain at counter \(counter) exceeds what is left of this message's budget (\(budget))",
                               ratchetKey: theirRatchetKey, counter: counter)
        }
        let (intermediateRoot, receivingChainKey) = try rootKey.createChain(
            theirRatchetKey: theirRatchetKey, ourRatchetKey: sendingChain.ratchetKeyPair.privateKey)
        let advance = try Self.advance(receivingChainKey, to: counter, maxJump: maxJump, budget: &budget, on: theirRatchetKey)
        let plaintext = try open(message, seed: advance.seed)
        // Only after the message proved authentic: our new sending ratchet key.
        let newRatchetKeyPair = ECKeyPair.generate(using: entropy)
        let (newRoot, sendingChainKey) = try intermediateRoot.createChain(
            theirRatchetKey: theirRatchetKey, ourRatchetKey: newRatchetKeyPair.privateKey)
        var receiving = ReceivingChain(ratchetKey: theirRatchetKey, chainKey: advance.next)
        receiving.skipped.insert(advance.skipped)
        let previous = max(sendingChain.chainKey.index, 1) - 1
        return (plaintext, .ratchetStep(
            rootKey: newRoot, receiving: receiving,
            sending: SendingChain(ratchetKeyPair: newRatchetKeyPair, chainKey: sendingChainKey),
            previousCounter: previous))
    }

    private static func advance(
        _ chainKey: ChainKey, to counter: UInt32, maxJump: UInt32, budget: inout DecryptionBudget, on ratchetKey: ECPublicKey
    ) throws(SessionError) -> ChainAdvance {
        do {
            return try chainKey.advance(to: counter, limits: SessionLimits.chain, maxJump: maxJump, budget: &budget)
        } catch {
            switch error {
            case .tooFarAhead(let jump, let limit):
                throw SessionError(.tooFarInFuture, "counter \(counter) is \(jump) ahead of the chain (limit \(limit))",
                                   ratchetKey: ratchetKey, counter: counter)
            case .overBudget(let steps, let remaining):
                throw SessionError(.tooFarInFuture, "counter \(counter) needs \(steps) chain steps; this message has \(remaining) left",
                                   ratchetKey: ratchetKey, counter: counter)
            case .exhausted:
                throw SessionError(.invalidArgument, "chain index would overflow 32 bits", ratchetKey: ratchetKey, counter: counter)
            }
        }
    }

    /// The steady state: one step of `chain` keys `message`; the chain moves forward (in place) only
    /// once the message checked out.
    private static func open(_ message: SignalMessage, chain: inout ChainKey, sender: ECPublicKey, receiver: ECPublicKey) throws(SessionError) -> [UInt8] {
        try SecretScratch.with { (scratch) throws(SessionError) -> [UInt8] in
            let seed = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<32])
            let next = UnsafeMutableRawBufferPointer(rebasing: scratch[32..<64])
            let keys = UnsafeMutableRawBufferPointer(rebasing: scratch[64..<(64 + MessageKeys.byteCount)])
            chain.key.withUnsafeBytes { ChainKey.step(key: $0, seed: seed, next: next) }
            MessageKeys.derive(seed: UnsafeRawBufferPointer(seed), into: keys)
            let plaintext = try open(message, keys: UnsafeRawBufferPointer(keys), sender: sender, receiver: receiver)
            chain.moveForward(to: UnsafeRawBufferPointer(next))
            return plaintext
        }
    }

    /// `open` with the keys of a stored or derived seed, derived on the stack.
    private func open(_ message: SignalMessage, seed: SymmetricKey256) throws(SessionError) -> [UInt8] {
        let sender = remoteIdentity.publicKey, receiver = localIdentity.publicKey
        return try SecretScratch.with { (scratch) throws(SessionError) -> [UInt8] in
            let keys = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<MessageKeys.byteCount])
            seed.withUnsafeBytes { MessageKeys.derive(seed: $0, into: keys) }
            return try Self.open(message, keys: UnsafeRawBufferPointer(keys), sender: sender, receiver: receiver)
        }
    }

    /// MAC first (constant time, over the message in place), then AES-CBC straight into the plaintext
    /// array, the one allocation.
    private static func open(_ message: SignalMessage, keys: UnsafeRawBufferPointer, sender: ECPublicKey, receiver: ECPublicKey) throws(SessionError) -> [UInt8] {
        let valid = sender.withSerializedBytes { senderBytes in
            receiver.withSerializedBytes { receiverBytes in
                message.serialized.withUnsafeBytes { all in
                    let macStart = all.count - WireLimits.macBytes
                    return HMACState.withKey(MessageKeys.macKey(keys)) {
                        $0.isValidAuthenticationCode(UnsafeRawBufferPointer(rebasing: all[macStart...]), forParts: senderBytes, receiverBytes,
                                                     UnsafeRawBufferPointer(rebasing: all[..<macStart]))
                    }
                }
            }
        }
        guard valid else {
            throw SessionError(.invalidMAC, "message MAC does not verify")
        }
        var failure: CryptoError?
        let range = message.ciphertextBytes.indices
        let plaintext = message.serialized.withUnsafeBytes { all in
            [UInt8](unsafeUninitializedCapacity: range.count) { buffer, count in
                do throws(CryptoError) {
                    count = try AES256CBC.decrypt(UnsafeRawBufferPointer(rebasing: all[range]), key: MessageKeys.cipherKey(keys),
                                                  iv: MessageKeys.iv(keys), into: UnsafeMutableRawBufferPointer(buffer))
                } catch {
                    failure = error
                    count = 0
                }
            }
        }
        if let failure {
            throw SessionError(.invalidCiphertext, "authenticated ciphertext does not decrypt: \(failure.reason)", underlying: failure)
        }
        return plaintext
    }

    private mutating func apply(_ commit: Commit) {
        switch commit {
        case .usedSkippedKey(let chain, let counter):
            receivingChains[chain].skipped.remove(counter)
        case .advanced(let chain, let chainKey, let skipped):
            receivingChains[chain].skipped.insert(skipped)
            receivingChains[chain].chainKey = chainKey
        case .ratchetStep(let root, let receiving, let sending, let previous):
            rootKey = root
            receivingChains.append(receiving)
            if receivingChains.count > SessionLimits.maxReceivingChains {
                receivingChains.removeFirst(receivingChains.count - SessionLimits.maxReceivingChains)
            }
            sendingChain = sending
            previousCounter = previous
        }
        // Any message decrypted in this session is the reply the initiator was waiting for.
        pendingPreKey = nil
    }
}
