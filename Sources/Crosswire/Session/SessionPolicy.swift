/// Local rules for which sessions to accept (SPEC.md §9.3).
public struct SessionPolicy: Sendable, Equatable {
    /// Refuse to start sessions without PQXDH (bundles without a KEM prekey) and to accept new v3
    /// sessions from others: downgrade protection once every peer publishes KEM prekeys.
    public var requirePostQuantum: Bool

    public init(requirePostQuantum: Bool = false) {
        self.requirePostQuantum = requirePostQuantum
    }
}
