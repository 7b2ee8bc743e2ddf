/// What a 1:1 session keeps, and what one incoming message may cost, and why (SPEC.md §5.4).
public enum SessionLimits {
    /// Per receiving chain of the current state: a jump of at most 1000 messages (≈ 1 ms of HMAC pairs;
    /// libsignal allows 25 000, which let one forged header cost tens of milliseconds per state) and 2000
    /// skipped-message seeds (libsignal: 2000).
    public static let chain = ChainLimits(maxForwardJump: 1000, maxSkippedKeys: 2000)
    /// The jump an archived state may make for one message. Genuine traffic on an archived state is a
    /// delayed message or a peer converging after simultaneous initiation: a few messages, never a long
    /// run, while every archived state is a place a forged header can make us work.
    public static let archivedForwardJump: UInt32 = 32
    /// Chain steps one incoming message may cause over every state it is tried on (current first, then
    /// archived newest first): the current state's full jump plus a little for archived states.
    public static let maxChainStepsPerMessage: UInt32 = 1200
    /// X25519 agreements one incoming message may cause by opening a new receiving chain: the current
    /// state and the four newest archived ones. Older archived states still decrypt on the chains they
    /// already have.
    public static let maxAgreementsPerMessage = 5
    /// Receiving chains kept per session (libsignal: 5): messages from older ratchet epochs fail.
    public static let maxReceivingChains = 5
    /// Archived session states per record (libsignal: 40), for delayed messages and simultaneous
    /// initiation.
    public static let maxArchivedStates = 40
}
