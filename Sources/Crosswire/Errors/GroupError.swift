/// Why a Sender Key (group) operation failed: creating or processing a distribution, encrypting, or
/// decrypting a group message. The payloads say which sender, chain and iteration it was about.
public struct GroupError: CrosswireError {
    /// This family's codes, from `invalidSignature` to `storeFailure`.
    public typealias Code = ErrorCode<GroupError>
    public typealias Family = GroupError

    /// Which failure it is: match on this, then read the payloads.
    public let code: Code
    /// What was wrong, for people and logs; never a chain key, signing key or plaintext.
    public let reason: String
    /// The member whose sender key was involved.
    public internal(set) var sender: ProtocolAddress?
    /// The sender chain (chain id in the current layout, key id in the legacy one).
    public internal(set) var chainID: UInt32?
    /// The message iteration on that chain (duplicates, jumps).
    public internal(set) var iteration: UInt32?
    /// The codec, crypto or store error this one came from (the store's own error for `storeFailure`).
    public let underlying: (any Error)?

    /// An error without payloads; Crosswire's own errors also set `sender`, `chainID` and `iteration`
    /// where known.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }

    init(_ code: Code, _ reason: String, chainID: UInt32?, iteration: UInt32?) {
        self.init(code, reason)
        self.chainID = chainID
        self.iteration = iteration
    }

    /// The same error, naming the member it was about.
    func about(_ sender: ProtocolAddress) -> GroupError {
        var copy = self
        if copy.sender == nil { copy.sender = sender }
        return copy
    }
}

extension ErrorCode where Family == GroupError {
    /// The group message's signature does not verify under the sender's signing key.
    public static let invalidSignature = Self("invalidSignature")
    /// The message was already decrypted (or is older than the kept skipped keys).
    public static let duplicateMessage = Self("duplicateMessage")
    /// The iteration jumps further ahead than `GroupLimits.chain.maxForwardJump`.
    public static let tooFarInFuture = Self("tooFarInFuture")
    /// No sender key is known for this sender, group or chain id.
    public static let noSenderKey = Self("noSenderKey")
    /// A Sender Key message or distribution in the other layout than the group's.
    public static let wrongLayout = Self("wrongLayout")
    /// A message could not be decoded, or is for another distribution id.
    public static let invalidMessage = Self("invalidMessage")
    /// The distribution's signing key is not a usable public key.
    public static let invalidKey = Self("invalidKey")
    /// The signature verified but the ciphertext does not decrypt.
    public static let invalidCiphertext = Self("invalidCiphertext")
    /// A value outside its allowed range (a distribution id that is not 16 bytes, an iteration overflow).
    public static let invalidArgument = Self("invalidArgument")
    /// The caller's store threw; `underlying` is its error, and nothing was saved.
    public static let storeFailure = Self("storeFailure")
}
