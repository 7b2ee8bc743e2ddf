@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Versioned compact bytes for records (SPEC.md §5.7): `0x01 ‖ protobuf{1 current, 2 archived…}`.
/// Keys are stored as bare 32-byte values (no type byte); the sending ratchet public key is stored beside
/// its private key, so loading derives nothing (records written before that derive it). Never `Codable`: secrets leave only through this explicit serializer.
extension SessionRecord {
    /// The leading byte of `serialized`; a record with another one is refused as `unknownFormat`.
    public static let formatVersion: UInt8 = 1
    static let recordName = "session record"

    /// Secret: contains root, chain and ratchet private keys. Written into one buffer of the exact size
    /// (the only allocation), so no intermediate copy of a secret exists; the returned array is the
    /// caller's to protect.
    public var serialized: [UInt8] {
        var total = 1
        if let current { total += ProtobufWriter.bytesFieldCount(field: 1, count: current.encodedCount) }
        for state in archived { total += ProtobufWriter.bytesFieldCount(field: 2, count: state.encodedCount) }
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            var out = ProtobufCursor(UnsafeMutableRawBufferPointer(buffer))
            out.put(Self.formatVersion)
            if let current {
                out.putKeyAndLength(1, current.encodedCount)
                current.encode(into: &out)
            }
            for state in archived {
                out.putKeyAndLength(2, state.encodedCount)
                state.encode(into: &out)
            }
            precondition(out.offset == total, "session record encoded \(out.offset) bytes, sized \(total)")
            count = total
        }
    }

    /// Restores a record from `serialized`; a corrupt or inconsistent one throws rather than loading in part.
    public init(serialized bytes: [UInt8]) throws(RecordError) {
        guard let format = bytes.first else { throw RecordError(corrupt: Self.recordName, "empty") }
        guard format == Self.formatVersion else {
            throw RecordError(.unknownFormat, "session record format \(format) is not \(Self.formatVersion)")
        }
        let parsed = bytes.withUnsafeBytes { raw in
            Result { () throws(RecordError) -> SessionRecord in try Self(fields: UnsafeRawBufferPointer(rebasing: raw[1...])) }
        }
        self = try parsed.get()
    }

    private init(fields bytes: UnsafeRawBufferPointer) throws(RecordError) {
        var current: SessionState?
        var archived: [SessionState] = []
        var fields = RecordScanner(bytes, in: Self.recordName, repeatable: 2)
        while let field = try fields.next() {
            switch field.number {
            case 1: current = try SessionState(serialized: try field.bytes(in: Self.recordName))
            case 2:
                guard archived.count < SessionLimits.maxArchivedStates else {
                    throw RecordError(corrupt: Self.recordName, "more than \(SessionLimits.maxArchivedStates) archived states")
                }
                archived.append(try SessionState(serialized: try field.bytes(in: Self.recordName)))
            default: break
            }
        }
        self.init(current: current, archived: archived)
    }
}
