/// Bounds for groups (SPEC.md §8.4).
public enum GroupLimits {
    /// Sender chains kept per (sender, group) (libsignal: 5), so a re-keyed sender's delayed messages
    /// still decrypt for a while.
    public static let maxStates = 5
    /// Per sender chain: the same jump and skipped-key bounds as a 1:1 chain.
    public static let chain = SessionLimits.chain
}
