/// Local rules for which sessions to accept (SPEC.md §9.3).
public struct SessionPolicy: Sendable, Equatable {
    /// Refuse to start sessions without PQXDH (bundles without a KEM prekey) and to accept new v3
    /// sessions from others: downgrade protection once every peer publishes KEM prekeys.
    public var requirePostQuantum: Bool

    /// The default accepts X3DH (v3) and PQXDH (v4) sessions alike, so peers that publish no KEM prekey
    /// can still be reached.
    public init(requirePostQuantum: Bool = false) {
        self.requirePostQuantum = requirePostQuantum
    }
}
