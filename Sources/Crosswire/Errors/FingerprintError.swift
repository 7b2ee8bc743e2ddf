/// Why a safety number could not be computed or compared.
public struct FingerprintError: CrosswireError {
    /// This family's codes: `invalidArgument`, `invalidMessage`, `versionMismatch`.
    public typealias Code = ErrorCode<FingerprintError>
    public typealias Family = FingerprintError

    /// Which failure it is: match on this.
    public let code: Code
    /// What was wrong, for people and logs: the iteration count or the versions that differ.
    public let reason: String
    /// The codec error a scanned payload failed on, if any.
    public let underlying: (any Error)?

    /// An error with this code and reason.
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
