/// A device number. libsignal uses 1...127 today; Crosswire accepts any `UInt32` the way libsignal
/// 0.2.3 did, and the envelope layer restricts it.
public struct DeviceID: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The device number, as on the wire.
    public let rawValue: UInt32
    /// Any value; no range is checked here.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// The device numbered `value`.
    public init(_ value: UInt32) { self.rawValue = value }
    /// The bare number.
    public var description: String { String(rawValue) }
}
