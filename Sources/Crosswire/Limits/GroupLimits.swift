/// Bounds for groups (SPEC.md §8.4).
public enum GroupLimits {
    /// Sender chains kept per (sender, group) (libsignal: 5), so a re-keyed sender's delayed messages
    /// still decrypt for a while.
    public static let maxStates = 5
    /// Per sender chain: libsignal's 25 000 jump and 2000 skipped seeds. A group message's signature is
    /// checked before any chain step, so only a member (never a forger) can ask for the long jump.
    public static let chain = ChainLimits(maxForwardJump: 25_000, maxSkippedKeys: 2000)
}
