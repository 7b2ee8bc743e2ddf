import CrosswireCrypto
import CrosswireWire

/// Which keys an initiator used, repeated in every PreKeySignalMessage until the first reply arrives.
struct PendingPreKey: Sendable, Equatable {
    var preKeyID: PreKeyID?
    var signedPreKeyID: SignedPreKeyID
    var baseKey: ECPublicKey
    /// v4: the KEM prekey used and the ciphertext that carries the shared secret (`0x0A ‖ 1568 B`).
    var kemPreKeyID: KEMPreKeyID? = nil
    var kemCiphertext: [UInt8]? = nil
}

/// The sending side of the ratchet: our current ratchet key pair and chain.
struct SendingChain: Sendable {
    let ratchetKeyPair: ECKeyPair
    /// The serialized public key every message of this chain carries.
    let ratchetKey: [UInt8]
    var chainKey: ChainKey

    init(ratchetKeyPair: ECKeyPair, chainKey: ChainKey) {
        self.ratchetKeyPair = ratchetKeyPair
        ratchetKey = ratchetKeyPair.publicKey.serialized
        self.chainKey = chainKey
    }
}

/// One Double Ratchet session with one peer device (libsignal's `SessionStructure`). A value type:
/// decryption computes everything on the side and only `apply`s the result once the MAC verified, so
/// a failed message leaves the state exactly as it was.
public struct SessionState: Sendable {
    var version: UInt8
    var localIdentity: IdentityKey
    var remoteIdentity: IdentityKey
    var rootKey: RootKey
    var previousCounter: UInt32
    var sendingChain: SendingChain
    /// Oldest first; at most `SessionLimits.maxReceivingChains`.
    var receivingChains: [ReceivingChain]
    var pendingPreKey: PendingPreKey?
    var localRegistrationID: UInt32
    var remoteRegistrationID: UInt32
    /// The initiator's base key: the session's identity (repeat PreKey messages, promotion).
    var aliceBaseKey: ECPublicKey

    public var sessionVersion: UInt8 { version }
    public var remoteIdentityKey: IdentityKey { remoteIdentity }
    public var localIdentityKey: IdentityKey { localIdentity }
    public var remoteRegistration: UInt32 { remoteRegistrationID }
    public var baseKey: ECPublicKey { aliceBaseKey }
    /// Whether outgoing messages are still wrapped in PreKeySignalMessages (no reply decrypted yet).
    public var hasPendingPreKey: Bool { pendingPreKey != nil }

    // MARK: Encrypt

    /// Encrypts with the current sending chain and advances it.
    mutating func encrypt(_ plaintext: UnsafeRawBufferPointer) throws -> CiphertextMessage {
        let (seed, next) = try sendingChain.chainKey.step()
        let keys = try MessageKeys(seed: seed, counter: sendingChain.chainKey.index)
        let ciphertext = try keys.encrypt(plaintext)
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
            version: version, registrationID: localRegistrationID, preKeyID: pending.preKeyID?.rawValue,
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
        case advanced(chain: Int, chainKey: ChainKey, skipped: [(UInt32, SecretBytes)])
        /// A new ratchet epoch: new root, new receiving chain, new sending chain.
        case ratchetStep(rootKey: RootKey, receiving: ReceivingChain, sending: SendingChain, previousCounter: UInt32)
    }

    /// Decrypts without changing anything; returns the plaintext and the change to `apply`.
    func prepareDecrypt(_ message: SignalMessage, using entropy: some EntropySource) throws -> (plaintext: [UInt8], commit: Commit) {
        guard message.version == version else {
            throw ProtocolError(.versionMismatch, "message version \(message.version), session version \(version)")
        }
        let theirRatchetKey: ECPublicKey
        do {
            theirRatchetKey = try ECPublicKey(serialized: message.ratchetKey)
        } catch {
            throw ProtocolError(.invalidKey, "message ratchet key: \(error)")
        }
        let counter = message.counter

        if let chainIndex = receivingChains.lastIndex(where: { $0.ratchetKey == theirRatchetKey }) {
            let chain = receivingChains[chainIndex]
            if counter < chain.chainKey.index {
                guard let seed = chain.skipped.seed(for: counter) else {
                    throw ProtocolError(.duplicateMessage, "message \(counter) of this chain was already received (or is too old)")
                }
                let plaintext = try open(message, keys: MessageKeys(seed: seed, counter: counter))
                return (plaintext, .usedSkippedKey(chain: chainIndex, counter: counter))
            }
            let (keys, next, skipped) = try advance(chain.chainKey, to: counter)
            let plaintext = try open(message, keys: keys)
            return (plaintext, .advanced(chain: chainIndex, chainKey: next, skipped: skipped))
        }

        // A new ratchet key from the peer: DH ratchet step (receiving, then sending).
        guard counter <= SessionLimits.maxForwardJump else {
            throw ProtocolError(.tooFarInFuture, "counter \(counter) in a new chain exceeds the jump limit \(SessionLimits.maxForwardJump)")
        }
        let (intermediateRoot, receivingChainKey) = try rootKey.createChain(
            theirRatchetKey: theirRatchetKey, ourRatchetKey: sendingChain.ratchetKeyPair.privateKey)
        let (keys, next, skipped) = try advance(receivingChainKey, to: counter)
        let plaintext = try open(message, keys: keys)
        // Only after the message proved authentic: our new sending ratchet key.
        let newRatchetKeyPair = ECKeyPair.generate(using: entropy)
        let (newRoot, sendingChainKey) = try intermediateRoot.createChain(
            theirRatchetKey: theirRatchetKey, ourRatchetKey: newRatchetKeyPair.privateKey)
        var receiving = ReceivingChain(ratchetKey: theirRatchetKey, chainKey: next)
        for (skippedCounter, seed) in skipped { receiving.skipped.insert(seed, for: skippedCounter) }
        let previous = max(sendingChain.chainKey.index, 1) - 1
        return (plaintext, .ratchetStep(
            rootKey: newRoot, receiving: receiving,
            sending: SendingChain(ratchetKeyPair: newRatchetKeyPair, chainKey: sendingChainKey),
            previousCounter: previous))
    }

    /// Derives forward from `chainKey` to `counter`: the message keys at `counter`, the chain key after
    /// it, and the seeds of the messages in between (only the newest `maxSkippedKeysPerChain` are kept).
    private func advance(_ chainKey: ChainKey, to counter: UInt32) throws -> (MessageKeys, ChainKey, [(UInt32, SecretBytes)]) {
        let jump = counter - chainKey.index
        guard jump <= SessionLimits.maxForwardJump else {
            throw ProtocolError(.tooFarInFuture, "counter \(counter) is \(jump) ahead of the chain (limit \(SessionLimits.maxForwardJump))")
        }
        var current = chainKey
        var skipped: [(UInt32, SecretBytes)] = []
        let keepFrom = counter > UInt32(SessionLimits.maxSkippedKeysPerChain) ? counter - UInt32(SessionLimits.maxSkippedKeysPerChain) : 0
        while current.index < counter {
            let (seed, next) = try current.step()
            if current.index >= keepFrom { skipped.append((current.index, seed)) }
            current = next
        }
        let (seed, next) = try current.step()
        return (try MessageKeys(seed: seed, counter: counter), next, skipped)
    }

    /// MAC first (constant time), then AES-CBC.
    private func open(_ message: SignalMessage, keys: MessageKeys) throws -> [UInt8] {
        let sender = remoteIdentity.serialized, receiver = localIdentity.serialized
        let valid = sender.withUnsafeBytes { s in
            receiver.withUnsafeBytes { r in
                message.authenticatedBytes.withUnsafeBytes { a in
                    keys.macKey.isValidAuthenticationCode(message.mac, forParts: s, r, a)
                }
            }
        }
        guard valid else {
            throw ProtocolError(.invalidMAC, "message MAC does not verify")
        }
        do {
            return try keys.decrypt(message.ciphertext)
        } catch {
            throw ProtocolError(.invalidCiphertext, "authenticated ciphertext does not decrypt: \(error)")
        }
    }

    mutating func apply(_ commit: Commit) {
        switch commit {
        case .usedSkippedKey(let chain, let counter):
            receivingChains[chain].skipped.remove(counter)
        case .advanced(let chain, let chainKey, let skipped):
            for (counter, seed) in skipped { receivingChains[chain].skipped.insert(seed, for: counter) }
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

/// An outgoing message: a SignalMessage (type 2) or, until the first reply, a PreKeySignalMessage (type 3).
public enum CiphertextMessage: Sendable {
    case signal(SignalMessage)
    case preKey(PreKeySignalMessage)

    public var typeCode: Int {
        switch self {
        case .signal: SignalMessage.typeCode
        case .preKey: PreKeySignalMessage.typeCode
        }
    }

    public var serialized: [UInt8] {
        switch self {
        case .signal(let message): message.serialized
        case .preKey(let message): message.serialized
        }
    }
}
