import CrosswireCrypto

/// A chain the peer sends on, identified by the peer's ratchet public key, with the seeds of messages
/// that were skipped (arrived later or never) kept for out-of-order delivery.
struct ReceivingChain: Sendable {
    let ratchetKey: ECPublicKey
    var chainKey: ChainKey
    var skipped: SkippedMessageKeys

    init(ratchetKey: ECPublicKey, chainKey: ChainKey, skipped: SkippedMessageKeys = SkippedMessageKeys(limit: SessionLimits.chain.maxSkippedKeys)) {
        self.ratchetKey = ratchetKey
        self.chainKey = chainKey
        self.skipped = skipped
    }
}
