/// The bounds of one symmetric chain, the same machinery for 1:1 receiving chains and Sender Key
/// chains, each with its own values (`SessionLimits.chain`, `GroupLimits.chain`).
public struct ChainLimits: Sendable, Equatable {
    /// Largest accepted jump of a counter beyond the chain in one message: deriving up to it is the most
    /// work one forged header can ask for (one HMAC pair per step).
    public let maxForwardJump: UInt32
    /// Skipped-message seeds kept per chain for out-of-order delivery; the oldest go first.
    public let maxSkippedKeys: Int

    /// Bounds for one kind of chain; the library uses `SessionLimits.chain` and `GroupLimits.chain`.
    public init(maxForwardJump: UInt32, maxSkippedKeys: Int) {
        self.maxForwardJump = maxForwardJump
        self.maxSkippedKeys = maxSkippedKeys
    }
}
