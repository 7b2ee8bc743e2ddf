/// Why a store refused an operation of its own (not a failure of the disk or database under it, which
/// the store reports in its own error type).
public struct StoreError: CrosswireError {
    /// This family's codes: `idCollision`.
    public typealias Code = ErrorCode<StoreError>
    public typealias Family = StoreError

    /// Which failure it is: match on this.
    public let code: Code
    /// Which record and id; never key bytes.
    public let reason: String
    /// Always `nil` for the in-memory store.
    public let underlying: (any Error)?

    /// An error with this code and reason.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }
}

extension ErrorCode where Family == StoreError {
    /// A different key is already stored under this id: overwriting it would strand every bundle and
    /// session that names the old one. Storing the same key again is not a collision.
    public static let idCollision = Self("idCollision")
}
