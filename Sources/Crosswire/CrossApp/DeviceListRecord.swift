import CrosswireWire

/// What a device keeps about one account (SPEC §12.6): the last device list it verified and the devices
/// removed from earlier lists that are still within their retention. Stored through `DeviceListStore`,
/// sealed like every record.
public struct DeviceListRecord: Sendable, Hashable {
    /// The list encrypted to.
    public let list: VerifiedDeviceList
    /// Removed devices whose delayed messages are still read, oldest first.
    public let stale: [StaleDevice]

    /// A record of `list` with `stale` devices.
    public init(list: VerifiedDeviceList, stale: [StaleDevice] = []) {
        self.list = list
        self.stale = stale
    }

    /// After accepting `change` at `now`: its removed devices become stale; a device listed again (same
    /// id and identity key) is no longer stale.
    public func applying(_ change: DeviceListChange, at now: UInt64) -> DeviceListRecord {
        let current = Set(change.current.devices)
        var stale = self.stale.filter { !current.contains($0.identity) }
        for device in change.removed where !stale.contains(where: { $0.identity == device }) {
            stale.append(StaleDevice(identity: device, removedAt: now))
        }
        return DeviceListRecord(list: change.current, stale: stale)
    }

    /// The record without stale devices removed before `cutoff`, and those devices.
    public func pruning(removedBefore cutoff: UInt64) -> (record: DeviceListRecord, pruned: [StaleDevice]) {
        let pruned = stale.filter { $0.removedAt < cutoff }
        return (DeviceListRecord(list: list, stale: stale.filter { $0.removedAt >= cutoff }), pruned)
    }

    /// Whether `device` is listed, or stale with this identity key.
    public func knows(_ device: DeviceID, identity: IdentityKey? = nil) -> DeviceIdentity? {
        if let listed = list.device(device), identity == nil || listed.identityKey == identity { return listed }
        return stale.first { $0.identity.deviceID == device && (identity == nil || $0.identity.identityKey == identity) }?.identity
    }

    /// `{1 signed list (0x01 ‖ SignedDeviceList), 2 stale {1 DeviceIdentity, 2 removed_at}…}`.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: list.signed.list.count + 100 + stale.count * 80)
        writer.appendBytes(field: 1, list.signed.serialized)
        for device in stale {
            var inner = ProtobufWriter(reservingCapacity: 80)
            inner.appendBytes(field: 1, device.identity.serialized)
            inner.appendUInt(field: 2, device.removedAt)
            writer.appendBytes(field: 2, inner.bytes)
        }
        return writer.bytes
    }

    /// Restores a record; its list was verified when it was stored, so signatures are not checked again
    /// (the rules are). Anything malformed is `corruptRecord`.
    public init(serialized bytes: [UInt8]) throws(RecordError) {
        let record = "device list record"
        do {
            let fields = try ProtobufFields(bytes[...], fields: 2, repeated: [2])
            guard let listBytes = try fields.bytes(1) else { throw RecordError(corrupt: record, "lacks the list") }
            list = try VerifiedDeviceList(restoring: try SignedDeviceList(serialized: Array(listBytes)))
            var stale: [StaleDevice] = []
            for entry in try fields.repeatedBytes(2) {
                let inner = try ProtobufFields(entry, fields: 2)
                guard let identity = try inner.bytes(1), let removedAt = try inner.uint64(2) else {
                    throw RecordError(corrupt: record, "a stale device lacks its identity or removal time")
                }
                stale.append(StaleDevice(identity: try DeviceIdentity(serialized: identity), removedAt: removedAt))
            }
            self.stale = stale
        } catch let error as RecordError {
            throw error
        } catch {
            throw RecordError(corrupt: record, "\(error)", underlying: error)
        }
    }
}
