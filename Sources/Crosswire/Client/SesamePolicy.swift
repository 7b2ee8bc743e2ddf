import CrosswireCrypto

/// How the cross-app client manages devices (SPEC §12.9, Sesame's parameters).
public struct SesamePolicy: Sendable {
    /// How long a removed device's sessions still read its delayed messages: 30 days.
    public var staleRetention: UInt64
    /// Submissions tried per send before giving up on a directory that keeps answering 409/410: 4.
    public var maximumAttempts: Int
    /// Sessions with new devices start as PQXDH (v4) when the bundle has a KEM prekey.
    public var session: SessionPolicy
    /// The sealed-sender trust root the app pins at registration. With it, messages to other accounts
    /// travel sealed (v1, SPEC §13) under a sender certificate from the directory, and sealed envelopes
    /// are accepted; copies to one's own devices stay unsealed, as the server knows who sends those.
    public var trustRoot: ECPublicKey?
    /// This account's profile key, carried in every message it sends (SPEC §12.5): recipients derive
    /// from it the access key that lets them send sealed messages back without a credential (§15.2).
    public var profileKey: SymmetricKey256?

    /// The defaults, or other values.
    public init(staleRetention: UInt64 = 30 * 24 * 3_600_000, maximumAttempts: Int = 4, session: SessionPolicy = SessionPolicy(),
                trustRoot: ECPublicKey? = nil, profileKey: SymmetricKey256? = nil) {
        self.staleRetention = staleRetention
        self.maximumAttempts = maximumAttempts
        self.session = session
        self.trustRoot = trustRoot
        self.profileKey = profileKey
    }
}
