/// Why a cross-app envelope, its inner content or the content's padding was refused. Raised before any
/// state changes; never carries message bytes beyond offsets and lengths.
public struct EnvelopeError: CrosswireError {
    /// This family's codes.
    public typealias Code = ErrorCode<EnvelopeError>
    public typealias Family = EnvelopeError

    /// Which rule the input broke: match on this.
    public let code: Code
    /// What and where.
    public let reason: String
    /// The codec's error, when one caused this.
    public let underlying: (any Error)?

    /// An error with this code and reason.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }
}

extension ErrorCode where Family == EnvelopeError {
    /// Padded content whose terminator, trailing bytes or length do not follow SPEC §12.2.
    public static let invalidPadding = Self("invalidPadding")
}

extension ErrorCode where Family == EnvelopeError {
    /// Not a protobuf of the SPEC's shape: truncated, a field of the wrong type or length, a field twice.
    public static let invalidMessage = Self("invalidMessage")
    /// A version byte this build does not read (it reads 1).
    public static let unsupportedVersion = Self("unsupportedVersion")
    /// A required field is absent: kind, recipient, message id, ciphertext; the sender of an unsealed
    /// kind; the type or sender timestamp of content.
    public static let missingField = Self("missingField")
    /// A field is present but invalid: an address, a group id that is not 32 bytes, a sender-key
    /// distribution that does not decode, a content type 0.
    public static let invalidField = Self("invalidField")
    /// A ciphertext kind this build does not know.
    public static let unknownKind = Self("unknownKind")
    /// A sealed kind names its sender: sealed envelopes carry none.
    public static let senderNotAllowed = Self("senderNotAllowed")
    /// The envelope or content exceeds its limit (`Envelope.maximumCiphertextCount`,
    /// `Content.maximumBodyCount`).
    public static let tooLarge = Self("tooLarge")
}
