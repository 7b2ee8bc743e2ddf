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
