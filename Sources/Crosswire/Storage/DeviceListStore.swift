/// The device lists a device trusts (SPEC §12.6), by account: the last verified list of every user it
/// talks to, its own included, with their stale devices. Read and written inside a transaction, so a
/// list accepted while decrypting commits with the ratchet step or not at all.
public protocol DeviceListStore {
    /// The record for `user`, or `nil` before its first verified list.
    func deviceList(for user: UserAddress) throws -> DeviceListRecord?
    /// Replaces the record for `user`.
    mutating func storeDeviceList(_ record: DeviceListRecord, for user: UserAddress) throws
}
