/// What accepting a newer device list changes (SPEC §12.3): devices linked and removed, and whether the
/// account's primary identity changed. The user-level safety number changes exactly when any of these
/// does, so an app shows one event per change.
public struct DeviceListChange: Sendable, Hashable {
    /// The list verified before, `nil` for the first one.
    public let previous: VerifiedDeviceList?
    /// The list now trusted.
    public let current: VerifiedDeviceList
    /// Devices in `current` that `previous` did not have with the same id and identity key.
    public let added: [DeviceIdentity]
    /// Devices of `previous` that `current` does not have with the same id and identity key.
    public let removed: [DeviceIdentity]
    /// The primary's identity key changed: the account was re-registered (or taken over). Apps must say
    /// so, as for a changed identity in a 1:1 session.
    public let identityChanged: Bool

    /// The change from `previous` to `current`.
    public init(previous: VerifiedDeviceList?, current: VerifiedDeviceList, identityChanged: Bool) {
        self.previous = previous
        self.current = current
        self.identityChanged = identityChanged
        let before = Set((previous?.devices ?? []).map { Key($0) }), after = Set(current.devices.map { Key($0) })
        added = current.devices.filter { !before.contains(Key($0)) }
        removed = (previous?.devices ?? []).filter { !after.contains(Key($0)) }
    }

    /// Whether the user-level safety number differs from the one over `previous`.
    public var safetyNumberChanged: Bool { identityChanged || !added.isEmpty || !removed.isEmpty }

    private struct Key: Hashable {
        let id: UInt32
        let identity: IdentityKey
        init(_ device: DeviceIdentity) {
            id = device.deviceID.rawValue
            identity = device.identityKey
        }
    }
}
