@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Versioned compact bytes for records (SPEC.md §5.7): `0x01 ‖ protobuf{1 current, 2 archived…}`.
/// Keys are stored as bare 32-byte values (no type byte); public ratchet keys are re-derived from their
/// private keys on load. Never `Codable`: secrets leave only through this explicit serializer.
extension SessionRecord {
    /// The leading byte of `serialized`; a record with another one is refused as `unknownFormat`.
    public static let formatVersion: UInt8 = 1
    static let recordName = "session record"

    /// Secret: contains root, chain and ratchet private keys. The intermediate buffers are wiped; the
    /// returned array is the caller's to protect.
    public var serialized: [UInt8] {
        let states = (current.map { [$0] } ?? []) + archived
        var writer = ProtobufWriter(prefix: [Self.formatVersion],
                                    reservingCapacity: states.reduce(8) { $0 + 6 + $1.serializedCapacity })
        for (index, state) in states.enumerated() {
            var bytes = state.serialized
            writer.appendBytes(field: index == 0 && current != nil ? 1 : 2, bytes)
            SecretBytes.wipe(&bytes)
        }
        return writer.bytes
    }

    /// Restores a record from `serialized`; a corrupt or inconsistent one throws rather than loading in part.
    public init(serialized bytes: [UInt8]) throws(RecordError) {
        guard let format = bytes.first else { throw RecordError(corrupt: Self.recordName, "empty") }
        guard format == Self.formatVersion else {
            throw RecordError(.unknownFormat, "session record format \(format) is not \(Self.formatVersion)")
        }
        var current: SessionState?
        var archived: [SessionState] = []
        try RecordError.fields(of: bytes[1...], in: Self.recordName, repeatable: [2]) { field in
            switch field.number {
            case 1: current = try SessionState(serialized: try field.value.slice(field: 1))
            case 2:
                guard archived.count < SessionLimits.maxArchivedStates else {
                    throw RecordError(corrupt: Self.recordName, "more than \(SessionLimits.maxArchivedStates) archived states")
                }
                archived.append(try SessionState(serialized: try field.value.slice(field: 2)))
            default: break
            }
        }
        self.init(current: current, archived: archived)
    }
}
