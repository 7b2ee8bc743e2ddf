/// How the cross-app client manages devices (SPEC §12.9, Sesame's parameters).
public struct SesamePolicy: Sendable {
    /// How long a removed device's sessions still read its delayed messages: 30 days.
    public var staleRetention: UInt64
    /// Submissions tried per send before giving up on a directory that keeps answering 409/410: 4.
    public var maximumAttempts: Int
    /// Sessions with new devices start as PQXDH (v4) when the bundle has a KEM prekey.
    public var session: SessionPolicy

    /// The defaults, or other values.
    public init(staleRetention: UInt64 = 30 * 24 * 3_600_000, maximumAttempts: Int = 4, session: SessionPolicy = SessionPolicy()) {
        self.staleRetention = staleRetention
        self.maximumAttempts = maximumAttempts
        self.session = session
    }
}
