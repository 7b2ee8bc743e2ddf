/// A code within one error family. String-backed, so a new code never breaks a caller's `switch` (callers
/// compare with `==`), and generic over the family, so a session code cannot be compared with a group
/// code by mistake. The raw value is also the code name the interop protocol prints.
public struct ErrorCode<Family>: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code's name, as logs and the interop protocol print it.
    public let rawValue: String

    /// The same as `init(_:)`, for `RawRepresentable`; any name is accepted, so codes stay extensible.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A code named `rawValue`.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The bare code name.
    public var description: String { rawValue }
}
