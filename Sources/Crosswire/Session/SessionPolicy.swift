/// Local rules for which sessions to accept and keep using (SPEC.md §9.3).
public struct SessionPolicy: Sendable, Equatable {
    /// Refuse to start sessions without PQXDH (bundles without a KEM prekey) and to accept new v3
    /// sessions from others: downgrade protection once every peer publishes KEM prekeys.
    public var requirePostQuantum: Bool
    /// How long a session we started may go unanswered (milliseconds; libsignal's 30 days): past it,
    /// encrypting fails with `noSession`, so the app fetches a fresh bundle instead of sending PreKey
    /// messages naming prekeys the peer has long since rotated away.
    public var maxUnacknowledgedSessionAge: UInt64

    /// The default accepts X3DH (v3) and PQXDH (v4) sessions alike, so peers that publish no KEM prekey
    /// can still be reached.
    public init(requirePostQuantum: Bool = false, maxUnacknowledgedSessionAge: UInt64 = 30 * 24 * 3_600_000) {
        self.requirePostQuantum = requirePostQuantum
        self.maxUnacknowledgedSessionAge = maxUnacknowledgedSessionAge
    }
}
