/// Why a cross-app address (`AppID`, `UserAddress`, `DeviceAddress`) was refused, in text or binary form.
/// The reason quotes at most the offending length or character position, never a whole foreign input.
public struct AddressError: CrosswireError {
    /// This family's codes.
    public typealias Code = ErrorCode<AddressError>
    public typealias Family = AddressError

    /// Which rule the input broke: match on this.
    public let code: Code
    /// Which part and why.
    public let reason: String
    /// Always `nil`: addresses are checked here, not by another layer.
    public let underlying: (any Error)?

    /// An error with this code and reason.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }
}

extension ErrorCode where Family == AddressError {
    /// The app id is not `[a-z][a-z0-9-]{0,31}`.
    public static let invalidApp = Self("invalidApp")
    /// The user is not 1–64 bytes of `[A-Za-z0-9._-]`.
    public static let invalidUser = Self("invalidUser")
    /// The device is not a number in 1…127 (written without sign or leading zeros).
    public static let invalidDevice = Self("invalidDevice")
    /// The text is not `APP:USER` (or `APP:USER/DEVICE`): a separator is missing, extra or misplaced.
    public static let malformed = Self("malformed")
    /// The binary form is truncated, has trailing bytes, or an unknown version.
    public static let invalidEncoding = Self("invalidEncoding")
}
