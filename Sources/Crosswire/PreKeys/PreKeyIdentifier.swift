/// The shape shared by the three prekey id spaces (one-time, signed, KEM): a `UInt32` with its own type,
/// so an id of one kind can never be looked up in another kind's store.
public protocol PreKeyIdentifier: RawRepresentable, Sendable, Hashable, CustomStringConvertible where RawValue == UInt32 {
    /// The id `rawValue`: every `UInt32` is a valid id, so this never fails.
    init(rawValue: UInt32)
}

extension PreKeyIdentifier {
    /// The id `value`.
    public init(_ value: UInt32) { self.init(rawValue: value) }

    /// The bare number.
    public var description: String { String(rawValue) }
}
