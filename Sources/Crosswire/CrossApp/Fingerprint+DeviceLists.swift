extension Fingerprint {
    /// The user-level safety number of two accounts (SPEC §12.3): §5.8's computation with each side's
    /// stable id the canonical user address (`whatsapp:alice`) and its key bytes the verified list's
    /// devices by ascending id, `device id (1 byte) ‖ identity key (33 bytes)` each. Linking or removing
    /// a device, or a new primary, changes it; the order devices were listed in does not.
    public init(iterations: Int = defaultIterations, version: UInt32 = scannableVersion,
                local: VerifiedDeviceList, remote: VerifiedDeviceList) throws(FingerprintError) {
        try self.init(iterations: iterations, version: version,
                      localStableID: Array(local.user.description.utf8), localKeys: Self.keyBytes(local),
                      remoteStableID: Array(remote.user.description.utf8), remoteKeys: Self.keyBytes(remote))
    }

    /// `id ‖ identity33` for every device, by ascending id.
    static func keyBytes(_ list: VerifiedDeviceList) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(list.contents.devices.count * 34)
        for device in list.devices {
            bytes.append(UInt8(device.deviceID.rawValue))
            bytes += device.identityKey.serialized
        }
        return bytes
    }
}
