/// Why a safety number could not be computed or compared.
public struct FingerprintError: CrosswireError {
    public typealias Code = ErrorCode<FingerprintError>
    public typealias Family = FingerprintError

    public let code: Code
    public let reason: String
    public let underlying: (any Error)?

    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }
}

extension ErrorCode where Family == FingerprintError {
    /// An iteration count outside 2…1 000 000.
    public static let invalidArgument = Self("invalidArgument")
    /// The scanned bytes are not a combined fingerprint.
    public static let invalidMessage = Self("invalidMessage")
    /// The scanned fingerprint has another version than ours.
    public static let versionMismatch = Self("versionMismatch")
}
