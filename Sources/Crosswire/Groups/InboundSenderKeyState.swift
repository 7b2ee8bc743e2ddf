import CrosswireCrypto

/// A member's sender chain as every other member holds it (libsignal's `SenderKeyStateStructure` without
/// the private key): chain id, chain key, the signing public key and the seeds of skipped messages.
/// Only inbound states decrypt.
public struct InboundSenderKeyState: Sendable {
    /// The chain id (the legacy layout's key id).
    public let chainID: UInt32
    var chainKey: ChainKey
    /// The key every message of this chain must be signed with.
    public let signingPublicKey: ECPublicKey
    var skipped: SkippedMessageKeys

    init(chainID: UInt32, chainKey: ChainKey, signingPublicKey: ECPublicKey,
         skipped: SkippedMessageKeys = SkippedMessageKeys(limit: GroupLimits.chain.maxSkippedKeys)) {
        self.chainID = chainID
        self.chainKey = chainKey
        self.signingPublicKey = signingPublicKey
        self.skipped = skipped
    }

    /// The iteration of the next message key.
    public var iteration: UInt32 { chainKey.index }
}
