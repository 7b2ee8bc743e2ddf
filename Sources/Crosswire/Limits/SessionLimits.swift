/// What a 1:1 session keeps, and why (SPEC.md §5.4).
public enum SessionLimits {
    /// Per receiving chain: a 25 000 forward jump (libsignal today; ~10 ms of HMAC pairs at most) and
    /// 2000 skipped-message seeds (libsignal: 2000).
    public static let chain = ChainLimits(maxForwardJump: 25_000, maxSkippedKeys: 2000)
    /// Receiving chains kept per session (libsignal: 5): messages from older ratchet epochs fail.
    public static let maxReceivingChains = 5
    /// Archived session states per record (libsignal: 40), for delayed messages and simultaneous
    /// initiation.
    public static let maxArchivedStates = 40
}
