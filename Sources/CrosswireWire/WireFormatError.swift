/// A message or record that could not be decoded. Raised before any cryptography runs; never holds
/// message bytes beyond offsets and lengths.
public struct WireFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as an open set of named values: match on these, not on `reason`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, as it appears in logs and test expectations.
        public let name: String
        /// A code with this name; two codes are equal when their names are.
        public init(_ name: String) { self.name = name }
        /// The name.
        public var description: String { name }

        /// The input ends inside a field, a varint or a declared length, or is too short for its type.
        public static let truncated = Code("truncated")
        /// A varint longer than 64 bits.
        public static let malformedVarint = Code("malformedVarint")
        /// A group wire type (3, 4), an unknown one, or a known field with the wrong wire type.
        public static let unsupportedWireType = Code("unsupportedWireType")
        /// Reserved for a field longer than its type allows; no decoder raises it today.
        public static let fieldTooLong = Code("fieldTooLong")
        /// A required field is absent.
        public static let missingField = Code("missingField")
        /// A bytes field (a key, a UUID, a chain key) has the wrong length.
        public static let invalidFieldLength = Code("invalidFieldLength")
        /// A known field appears twice; refused rather than letting the last one win.
        public static let duplicateField = Code("duplicateField")
        /// A field number of 0 or beyond 2^29 − 1, or a value that does not fit its field (over 32 bits).
        public static let valueOutOfRange = Code("valueOutOfRange")
        /// A version above 4, or fields and inner messages that do not match the outer version.
        public static let unknownVersion = Code("unknownVersion")
        /// A version below 3 (pre-X3DH Signal); never parsed further.
        public static let legacyVersion = Code("legacyVersion")
        /// Input over `WireLimits.maxMessageBytes` (or a smaller per-type cap), refused before parsing.
        public static let tooLarge = Code("tooLarge")
        /// A serialized key whose type byte is not the expected one (`0x05`, or `0x0A` for KEM).
        public static let invalidKeyType = Code("invalidKeyType")
        /// Reserved for text input with a character it may not contain; no decoder raises it today.
        public static let invalidCharacter = Code("invalidCharacter")
        /// A Sender Key message or distribution in the other of the two layouts sharing version 0x33.
        public static let wrongLayout = Code("wrongLayout")
    }

    /// The machine-readable kind of failure.
    public let code: Code
    /// A human explanation: field numbers, offsets and lengths, never message bytes.
    public let reason: String

    /// An error with `code`, explained by `reason` (which must not quote the input).
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `WireFormatError.<code>: <reason>`.
    public var description: String { "WireFormatError.\(code): \(reason)" }

    /// Compares codes only, so tests can match an expected error regardless of its wording.
    public static func == (a: WireFormatError, b: WireFormatError) -> Bool { a.code == b.code }
}
