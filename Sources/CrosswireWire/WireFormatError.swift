/// A message or record that could not be decoded. Raised before any cryptography runs; never holds
/// message bytes beyond offsets and lengths.
public struct WireFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let truncated = Code("truncated")
        public static let malformedVarint = Code("malformedVarint")
        public static let unsupportedWireType = Code("unsupportedWireType")
        public static let fieldTooLong = Code("fieldTooLong")
        public static let missingField = Code("missingField")
        public static let invalidFieldLength = Code("invalidFieldLength")
        public static let duplicateField = Code("duplicateField")
        public static let valueOutOfRange = Code("valueOutOfRange")
        public static let unknownVersion = Code("unknownVersion")
        public static let legacyVersion = Code("legacyVersion")
        public static let tooLarge = Code("tooLarge")
        public static let invalidKeyType = Code("invalidKeyType")
        public static let invalidCharacter = Code("invalidCharacter")
        /// A Sender Key message or distribution in the other of the two layouts sharing version 0x33.
        public static let wrongLayout = Code("wrongLayout")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "WireFormatError.\(code): \(reason)" }

    public static func == (a: WireFormatError, b: WireFormatError) -> Bool { a.code == b.code }
}
