/// The cross-app groups a device is in (SPEC §12.7), by group id, read and written inside a
/// transaction.
public protocol GroupStore {
    /// The record of `id`, or `nil` if this device is not in that group.
    func group(for id: GroupID) throws -> GroupRecord?
    /// Replaces the record of `id`.
    mutating func storeGroup(_ record: GroupRecord, for id: GroupID) throws
}
