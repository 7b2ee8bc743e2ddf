import CrosswireCrypto

/// A chain the peer sends on, identified by the peer's ratchet public key, with the seeds of messages
/// that were skipped (arrived later or never) kept for out-of-order delivery.
struct ReceivingChain: Sendable {
    let ratchetKey: ECPublicKey
    var chainKey: ChainKey
    var skipped: SkippedMessageKeys

    init(ratchetKey: ECPublicKey, chainKey: ChainKey, skipped: SkippedMessageKeys = SkippedMessageKeys()) {
        self.ratchetKey = ratchetKey
        self.chainKey = chainKey
        self.skipped = skipped
    }
}

/// Seeds of skipped messages by counter: O(1) lookup and removal, at most
/// `SessionLimits.maxSkippedKeysPerChain`; when full, the lowest counter (the oldest) goes first.
struct SkippedMessageKeys: Sendable {
    private(set) var seeds: [UInt32: SecretBytes] = [:]
    /// No stored counter is below this, so eviction scans forward from here (amortised O(1)).
    private var floor: UInt32 = 0

    var count: Int { seeds.count }

    func seed(for counter: UInt32) -> SecretBytes? { seeds[counter] }

    mutating func remove(_ counter: UInt32) { seeds[counter] = nil }

    /// Counters arrive in increasing order for a chain, so the oldest is always the smallest.
    mutating func insert(_ seed: SecretBytes, for counter: UInt32) {
        if seeds.isEmpty { floor = counter }
        seeds[counter] = seed
        while seeds.count > SessionLimits.maxSkippedKeysPerChain {
            if seeds.removeValue(forKey: floor) == nil {}
            floor &+= 1
        }
    }

    var sortedCounters: [UInt32] { seeds.keys.sorted() }
}

/// What a session keeps, and why (SPEC.md §5.5).
public enum SessionLimits {
    /// Largest accepted jump of a message counter beyond its chain (libsignal today: 25 000). Deriving up
    /// to it costs ~25 000 HMAC pairs (~10 ms), the most work one forged header can ask for.
    public static let maxForwardJump: UInt32 = 25_000
    /// Skipped-message seeds kept per receiving chain (libsignal: 2000); older ones are dropped.
    public static let maxSkippedKeysPerChain = 2000
    /// Receiving chains kept per session (libsignal: 5): messages from older ratchet epochs fail.
    public static let maxReceivingChains = 5
    /// Archived session states per record (libsignal: 40), for delayed messages and simultaneous
    /// initiation.
    public static let maxArchivedStates = 40
}
