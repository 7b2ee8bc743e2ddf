import CrosswireCrypto

/// Why a 1:1 session operation failed: building a session from a bundle, encrypting, or decrypting either
/// message type. Match on `code`; the payloads say which peer, chain, counter or prekey it was about.
public struct SessionError: CrosswireError {
    /// This family's codes, from `invalidMAC` to `storeFailure`.
    public typealias Code = ErrorCode<SessionError>
    public typealias Family = SessionError

    /// Which failure it is: match on this, then read the payloads.
    public let code: Code
    /// What was wrong, for people and logs; never a key, a MAC or plaintext.
    public let reason: String
    /// The peer device the operation was for, once known (always set by `SessionCipher`).
    public internal(set) var address: ProtocolAddress?
    /// The chain a message was on: the sender's ratchet public key (duplicates, jumps).
    public internal(set) var ratchetKey: ECPublicKey?
    /// The message counter on that chain (duplicates, jumps).
    public internal(set) var counter: UInt32?
    /// The prekey a PreKey message or bundle named that this device does not have, or may not reuse.
    public internal(set) var preKey: PreKeyReference?
    /// The codec, crypto or store error this one came from (the store's own error for `storeFailure`).
    public let underlying: (any Error)?

    /// An error without payloads; Crosswire's own errors also set `address`, `ratchetKey`, `counter` or
    /// `preKey` where known.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }

    init(_ code: Code, _ reason: String, ratchetKey: ECPublicKey?, counter: UInt32?) {
        self.init(code, reason)
        self.ratchetKey = ratchetKey
        self.counter = counter
    }

    init(_ code: Code, _ reason: String, preKey: PreKeyReference) {
        self.init(code, reason)
        self.preKey = preKey
    }

    /// The same error, naming the peer it was about.
    func about(_ address: ProtocolAddress) -> SessionError {
        var copy = self
        if copy.address == nil { copy.address = address }
        return copy
    }
}

extension ErrorCode where Family == SessionError {
    /// The message MAC did not verify (tampered, or not for this session).
    public static let invalidMAC = Self("invalidMAC")
    /// The message was already decrypted (its key is gone); `ratchetKey` and `counter` say which.
    public static let duplicateMessage = Self("duplicateMessage")
    /// The counter jumps further ahead than `SessionLimits.chain.maxForwardJump`.
    public static let tooFarInFuture = Self("tooFarInFuture")
    /// The peer's identity key differs from the one trusted for `address`.
    public static let untrustedIdentity = Self("untrustedIdentity")
    /// A prekey bundle's signature does not verify.
    public static let invalidSignature = Self("invalidSignature")
    /// There is no session with `address`.
    public static let noSession = Self("noSession")
    /// A PreKey message names a one-time prekey this device does not have (used or never issued).
    public static let unknownPreKey = Self("unknownPreKey")
    /// A PreKey message names a signed prekey this device does not have.
    public static let unknownSignedPreKey = Self("unknownSignedPreKey")
    /// A v4 PreKey message names a KEM prekey this device does not have.
    public static let unknownKEMPreKey = Self("unknownKEMPreKey")
    /// A last-resort KEM prekey was used again with the same signed prekey and base key (a replay).
    public static let kemPreKeyReused = Self("kemPreKeyReused")
    /// The message's version does not match the session's.
    public static let versionMismatch = Self("versionMismatch")
    /// Decryption succeeded at the MAC but the payload was malformed.
    public static let invalidCiphertext = Self("invalidCiphertext")
    /// A key in a message or bundle is not usable (wrong encoding, low order).
    public static let invalidKey = Self("invalidKey")
    /// A value outside its allowed range (a bundle's prekey without its id, a counter that would overflow).
    public static let invalidArgument = Self("invalidArgument")
    /// Local policy requires PQXDH and the bundle or message offers only X3DH (downgrade refused).
    public static let postQuantumRequired = Self("postQuantumRequired")
    /// A message could not be decoded; `underlying` is the codec's error.
    public static let invalidMessage = Self("invalidMessage")
    /// The caller's store threw; `underlying` is its error. A failed read saved nothing; a failed write
    /// leaves the operation's earlier writes in place (the identity before the session, the session
    /// before the used prekey's removal), since the stores are not one transaction.
    public static let storeFailure = Self("storeFailure")
}

/// A prekey named in a PreKey message or bundle, by kind: the three id spaces are separate.
public enum PreKeyReference: Sendable, Hashable, CustomStringConvertible {
    /// A one-time prekey, looked up in the `PreKeyStore`.
    case oneTime(PreKeyID)
    /// A signed prekey, looked up in the `SignedPreKeyStore`.
    case signed(SignedPreKeyID)
    /// An ML-KEM prekey (PQXDH), looked up in the `KEMPreKeyStore`.
    case kem(KEMPreKeyID)

    /// The kind and the id, such as "signed prekey 7".
    public var description: String {
        switch self {
        case .oneTime(let id): "one-time prekey \(id)"
        case .signed(let id): "signed prekey \(id)"
        case .kem(let id): "KEM prekey \(id)"
        }
    }
}
