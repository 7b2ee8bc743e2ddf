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

    /// Encrypts with the current sending chain and advances it.
    mutating func encrypt(_ plaintext: UnsafeRawBufferPointer) throws(SessionError) -> CiphertextMessage {
        let (seed, next): (SymmetricKey256, ChainKey)
        do {
            (seed, next) = try sendingChain.chainKey.step()
        } catch {
            throw SessionError(.invalidArgument, "the sending chain is exhausted (2^32 messages)")
        }
        let keys = MessageKeys(seed: seed, counter: sendingChain.chainKey.index)
        let ciphertext: [UInt8]
        do {
            ciphertext = try keys.encrypt(plaintext)
        } catch {
            throw SessionError(.invalidArgument, "AES-CBC refused the message: \(error.reason)", underlying: error)
        }
        let sender = localIdentity.serialized, receiver = remoteIdentity.serialized
        let message = SignalMessage(
            version: version, ratchetKey: sendingChain.ratchetKey,
            counter: keys.counter, previousCounter: previousCounter, ciphertext: ciphertext
        ) { authenticated in
            Self.mac(keys.macKey, sender: sender, receiver: receiver, authenticated)
        }
        sendingChain.chainKey = next
        guard let pending = pendingPreKey else { return .signal(message) }
        return .preKey(PreKeySignalMessage(
            version: version, registrationID: localRegistrationID.rawValue, preKeyID: pending.preKeyID?.rawValue,
            signedPreKeyID: pending.signedPreKeyID.rawValue, baseKey: pending.baseKey.serialized,
            identityKey: localIdentity.serialized, message: message,
            kemPreKeyID: pending.kemPreKeyID?.rawValue, kemCiphertext: pending.kemCiphertext))
    }

    static func mac(_ key: HMACKey, sender: [UInt8], receiver: [UInt8], _ authenticated: ArraySlice<UInt8>) -> [UInt8] {
        var full = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &full) { out in
            sender.withUnsafeBytes { s in
                receiver.withUnsafeBytes { r in
                    authenticated.withUnsafeBytes { a in key.mac(s, r, a, into: out) }
                }
            }
            return Array(UnsafeRawBufferPointer(rebasing: out[0..<WireLimits.macBytes]))
        }
    }

    // MARK: Decrypt

    /// What a successful decryption changes; applied only after the MAC and padding checked out.
    enum Commit {
        /// A stored skipped key was used.
        case usedSkippedKey(chain: Int, counter: UInt32)
        /// An existing receiving chain advanced, storing the seeds it skipped.
        case advanced(chain: Int, chainKey: ChainKey, skipped: [(UInt32, SymmetricKey256)])
        /// A new ratchet epoch: new root, new receiving chain, new sending chain.
        case ratchetStep(rootKey: RootKey, receiving: ReceivingChain, sending: SendingChain, previousCounter: UInt32)
    }

    /// Decrypts without changing anything; returns the plaintext and the change to `apply`. The counter
    /// may be at most `maxJump` ahead of its chain, and the work is charged to `budget` before it is done.
    func prepareDecrypt(
        _ message: SignalMessage, maxJump: UInt32 = SessionLimits.chain.maxForwardJump,
        budget: inout DecryptionBudget, using entropy: some EntropySource
    ) throws(SessionError) -> (plaintext: [UInt8], commit: Commit) {
        guard message.version == version else {
            throw SessionError(.versionMismatch, "message version \(message.version), session version \(version)")
        }
        let theirRatchetKey: ECPublicKey
        do {
            theirRatchetKey = try ECPublicKey(serialized: message.ratchetKey)
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
                let plaintext = try open(message, keys: MessageKeys(seed: seed, counter: counter))
                return (plaintext, .usedSkippedKey(chain: chainIndex, counter: counter))
            }
            let advance = try Self.advance(chain.chainKey, to: counter, maxJump: maxJump, budget: &budget, on: theirRatchetKey)
            let plaintext = try open(message, keys: MessageKeys(seed: advance.seed, counter: counter))
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
        let plaintext = try open(message, keys: MessageKeys(seed: advance.seed, counter: counter))
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

    /// MAC first (constant time), then AES-CBC.
    private func open(_ message: SignalMessage, keys: MessageKeys) throws(SessionError) -> [UInt8] {
        let sender = remoteIdentity.serialized, receiver = localIdentity.serialized
        let valid = sender.withUnsafeBytes { s in
            receiver.withUnsafeBytes { r in
                message.authenticatedBytes.withUnsafeBytes { a in
                    keys.macKey.isValidAuthenticationCode(message.mac, forParts: s, r, a)
                }
            }
        }
        guard valid else {
            throw SessionError(.invalidMAC, "message MAC does not verify")
        }
        do {
            return try keys.decrypt(message.ciphertext)
        } catch {
            throw SessionError(.invalidCiphertext, "authenticated ciphertext does not decrypt: \(error.reason)", underlying: error)
        }
    }

    mutating func apply(_ commit: Commit) {
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
