import CrosswireCrypto
import CrosswireWire

/// What a device keeps about one cross-app group (SPEC §12.7): the accepted signed state, the
/// distribution id of its own current sender-key chain (16 bytes; a new one after every removal), and
/// the member devices that chain was handed to.
public struct GroupRecord: Sendable, Hashable {
    /// The accepted state.
    public let state: SignedGroupState
    /// This device's current sender-key chain for the group; `nil` until it first sends.
    public let distributionID: [UInt8]?
    /// Devices that received this chain, ascending.
    public let distributedTo: [DeviceAddress]

    /// A record.
    public init(state: SignedGroupState, distributionID: [UInt8]? = nil, distributedTo: [DeviceAddress] = []) {
        self.state = state
        self.distributionID = distributionID
        self.distributedTo = Array(Set(distributedTo)).sorted()
    }

    /// `{1 signed state, 2 distribution_id?, 3 distributed_to…}`.
    public var serialized: [UInt8] {
        let stateBytes = state.serialized
        var writer = ProtobufWriter(reservingCapacity: stateBytes.count + 32 + distributedTo.count * 24)
        writer.appendBytes(field: 1, stateBytes)
        if let distributionID { writer.appendBytes(field: 2, distributionID) }
        for device in distributedTo { writer.appendBytes(field: 3, device.serialized) }
        return writer.bytes
    }

    /// Restores a record (its state was verified when stored); anything malformed is `corruptRecord`.
    public init(serialized bytes: [UInt8]) throws(RecordError) {
        let record = "group record"
        do {
            let fields = try ProtobufFields(bytes[...], fields: 3, repeated: [3])
            guard let stateBytes = try fields.bytes(1) else { throw RecordError(corrupt: record, "lacks the state") }
            state = try SignedGroupState(serialized: Array(stateBytes))
            distributionID = try fields.bytes(2, count: 16).map(Array.init)
            distributedTo = try fields.repeatedBytes(3).map { bytes throws in try DeviceAddress(serialized: bytes) }
        } catch let error as RecordError {
            throw error
        } catch {
            throw RecordError(corrupt: record, "\(error)", underlying: error)
        }
    }
}
