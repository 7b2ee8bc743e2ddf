/// A device list whose every signature checked out for its user: what a sender encrypts to and what the
/// user-level safety number covers. Made only by `SignedDeviceList.verified(for:)`.
public struct VerifiedDeviceList: Sendable, Hashable {
    /// The list.
    public let contents: DeviceList
    /// What was verified, to store and to forward.
    public let signed: SignedDeviceList

    init(contents: DeviceList, signed: SignedDeviceList) {
        self.contents = contents
        self.signed = signed
    }

    /// A list this device verified before, read back from its own sealed store: every rule is checked
    /// again, but not the signatures (five of them cost ~0.2 ms, on every send).
    init(restoring signed: SignedDeviceList) throws(DeviceListError) {
        let parts = try DeviceList.parts(of: signed.list[...])
        contents = try DeviceList(checking: parts.user, parts.version, parts.primary, parts.companions, verifyingAttestations: false)
        self.signed = signed
    }

    /// Whose devices.
    public var user: UserAddress { contents.user }
    /// The list's version.
    public var version: UInt64 { contents.version }
    /// The key that signed it.
    public var primaryIdentity: IdentityKey { contents.primary.identityKey }
    /// Every device, by ascending id.
    public var devices: [DeviceIdentity] { contents.devices.sorted { $0.deviceID.rawValue < $1.deviceID.rawValue } }
    /// Every device's address, by ascending id.
    public var addresses: [DeviceAddress] { devices.map(\.address) }

    /// The device with this id, if listed.
    public func device(_ id: DeviceID) -> DeviceIdentity? { contents.devices.first { $0.deviceID == id } }

    /// Decides whether `next` (verified for the same user) replaces this list (SPEC §12.3): a new primary
    /// identity starts over at any version and is reported as `identityChanged`; under the same one the
    /// version must go up (`rollback` if lower), and the same version must list the same
    /// devices (`conflictingVersion` if not; the same list again, even re-signed, is an empty change).
    public func change(to next: VerifiedDeviceList) throws(DeviceListError) -> DeviceListChange {
        guard next.user == user else {
            throw DeviceListError(.wrongUser, "a list of \(next.user) cannot replace one of \(user)")
        }
        let identityChanged = next.primaryIdentity != primaryIdentity
        if !identityChanged {
            guard next.version >= version else {
                throw DeviceListError(.rollback, "version \(next.version) of \(user)'s list is older than the verified \(version)")
            }
            if next.version == version {
                // Signatures are randomized, so a re-signed copy of the same list differs in bytes: compare
                // what the list says.
                guard next.devices == devices else {
                    throw DeviceListError(.conflictingVersion, "two different lists of \(user) claim version \(version)")
                }
            }
        }
        return DeviceListChange(previous: self, current: next, identityChanged: identityChanged)
    }
}
