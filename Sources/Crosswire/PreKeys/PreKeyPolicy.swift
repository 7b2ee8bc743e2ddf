/// When ``DeviceMaintenance`` rotates and replenishes prekeys (milliseconds and counts; Signal's
/// schedule by default).
public struct PreKeyPolicy: Sendable, Equatable {
    /// A signed prekey (and the last-resort KEM prekey) older than this is replaced.
    public var rotationInterval: UInt64
    /// A replaced key is kept this long after its successor appeared, for bundles fetched before and
    /// PreKey messages still in flight; then it is deleted with its last-resort uses.
    public var gracePeriod: UInt64
    /// One-time prekeys (each kind) are topped up to `batch` when fewer than `minimum` are left.
    public var oneTimeMinimum: Int
    /// How many one-time prekeys of each kind a device keeps published.
    public var oneTimeBatch: Int
    /// Whether to keep one-time and last-resort ML-KEM prekeys (PQXDH).
    public var postQuantum: Bool

    /// Rotation every 2 days, 30 days' grace, 100 one-time keys topped up below 10, PQXDH on.
    public init(rotationInterval: UInt64 = 2 * 86_400_000, gracePeriod: UInt64 = 30 * 86_400_000,
                oneTimeMinimum: Int = 10, oneTimeBatch: Int = 100, postQuantum: Bool = true) {
        precondition(oneTimeMinimum <= oneTimeBatch && oneTimeBatch <= 10_000, "0 ≤ minimum ≤ batch ≤ 10 000")
        self.rotationInterval = rotationInterval
        self.gracePeriod = gracePeriod
        self.oneTimeMinimum = oneTimeMinimum
        self.oneTimeBatch = oneTimeBatch
        self.postQuantum = postQuantum
    }
}
