/// A device number. libsignal uses 1...127 today; Crosswire accepts any `UInt32` the way libsignal
/// 0.2.3 did, and the envelope layer restricts it.
public struct DeviceID: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ value: UInt32) { self.rawValue = value }
    public var description: String { String(rawValue) }
}
