/// A message (session) version. On the wire it is the version byte: high nibble = this version, low
/// nibble = the highest version the sender supports; parsers key on the high nibble, as current
/// libsignal does. Only 3 and 4 exist: a value of this type is always one Crosswire speaks.
public struct MessageVersion: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// X3DH sessions (Signal protocol v3, what WhatsApp and libsignal ≤ 0.74 speak).
    public static let v3 = MessageVersion(uncheckedRawValue: 3)
    /// PQXDH sessions.
    public static let v4 = MessageVersion(uncheckedRawValue: 4)
    /// The highest version Crosswire speaks.
    public static let current = v4

    /// 3 or 4, never anything else.
    public let rawValue: UInt8

    /// `nil` for any version other than 3 and 4.
    public init?(rawValue: UInt8) {
        guard rawValue == 3 || rawValue == 4 else { return nil }
        self.rawValue = rawValue
    }

    private init(uncheckedRawValue: UInt8) { rawValue = uncheckedRawValue }

    /// The message version in a version byte, refusing legacy (< 3) and unknown (> 4) versions.
    public init(parsing byte: UInt8) throws {
        let version = byte >> 4
        if version < 3 {
            throw WireFormatError(.legacyVersion, "message version \(version) is older than 3")
        }
        if version > 4 {
            throw WireFormatError(.unknownVersion, "message version \(version) is newer than 4")
        }
        rawValue = version
    }

    /// `version << 4 | version`: `0x33` for v3 (the low nibble libsignal 0.2.3 checks), `0x44` for v4, as
    /// libsignal emits them.
    public var byte: UInt8 { rawValue << 4 | rawValue }

    /// Orders by version number, so `version >= .v4` reads as "post-quantum".
    public static func < (a: MessageVersion, b: MessageVersion) -> Bool { a.rawValue < b.rawValue }

    /// `v3` or `v4`.
    public var description: String { "v\(rawValue)" }
}
