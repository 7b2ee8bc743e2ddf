/// Why a store refused an operation of its own (not a failure of the disk or database under it, which
/// the store reports in its own error type).
public struct StoreError: CrosswireError {
    /// This family's codes, from `idCollision` to `databaseFailure`.
    public typealias Code = ErrorCode<StoreError>
    public typealias Family = StoreError

    /// Which failure it is: match on this.
    public let code: Code
    /// Which row kind and id; never key bytes.
    public let reason: String
    /// The database's own error, when there is one (always `nil` for the in-memory store).
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

extension ErrorCode where Family == StoreError {
    /// The storage key does not open this store (the key check row does not authenticate).
    public static let wrongStorageKey = Self("wrongStorageKey")
    /// A row does not authenticate or does not decode: altered on disk, truncated, or moved from another
    /// row. The reason names the row kind; the transaction is rolled back and every other row stays usable.
    public static let corruptRow = Self("corruptRow")
    /// The file was written by a newer schema than this build knows; it is left untouched.
    public static let newerSchema = Self("newerSchema")
    /// Another connection (a notification extension, another process) held the write lock past the busy
    /// timeout; nothing was written, retry later.
    public static let busy = Self("busy")
    /// The disk is full; the transaction was rolled back.
    public static let diskFull = Self("diskFull")
    /// The store has no local identity yet: create one before the first cipher operation.
    public static let noLocalIdentity = Self("noLocalIdentity")
    /// The file is not a database, or the database failed in another way (see `underlying`).
    public static let databaseFailure = Self("databaseFailure")
}
