/// What an app implements against its server (SPEC §12.8), and what Crosswire's server implements for
/// real: signed device lists, prekey bundles handed out once, and envelope queues. A client needs
/// nothing else to reach every device of every account on any of the apps.
public protocol DeviceDirectory: Sendable {
    /// Publishes `list` as `user`'s devices: the directory keeps it only if it is signed by the primary
    /// it already knows (or registers the account with it), and never a lower version.
    func publish(_ list: SignedDeviceList, for user: UserAddress) async throws(DirectoryError)
    /// Uploads a device's public keys; replaces its signed prekey, adds one-time prekeys.
    func upload(_ keys: PublishedKeys, for device: DeviceAddress) async throws(DirectoryError)
    /// The account's current signed device list (`notFound` for an unknown account).
    func deviceList(for user: UserAddress) async throws(DirectoryError) -> SignedDeviceList
    /// A bundle for each of `devices` of `user`, each one-time prekey handed out once.
    func bundles(for user: UserAddress, devices: [DeviceID]) async throws(DirectoryError) -> [PreKeyBundle]
    /// Queues one envelope per listed device of `user`, all or none: `mismatchedDevices` (409) when the
    /// set of devices differs from the list, `staleDevices` (410) when a registration id does not match.
    func submit(_ messages: [OutgoingMessage], to user: UserAddress) async throws(DirectoryError)
    /// The envelopes queued for `device`, oldest first, stamped with the server's time.
    func pending(for device: DeviceAddress) async throws(DirectoryError) -> [Envelope]
    /// Removes acknowledged envelopes from `device`'s queue.
    func acknowledge(_ ids: [MessageID], for device: DeviceAddress) async throws(DirectoryError)
    /// A sealed-sender certificate for `device` (uuid `APP:USER`, its device id and listed identity key),
    /// chained to the trust root its apps pin.
    func senderCertificate(for device: DeviceAddress) async throws(DirectoryError) -> SenderCertificate
}
