@_spi(Hazmat) import CrosswireCrypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
/// Appends protobuf (proto2) fields in the order they are written. Signal's encoders emit fields in
/// ascending tag order and emit set-but-zero optionals, so callers write every present field, tag by tag.
public struct ProtobufWriter: Sendable {
    /// Everything written so far.
    public private(set) var bytes: [UInt8]

    /// An empty writer; reserve roughly the final size to avoid regrowing.
    public init(reservingCapacity capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Starts from existing bytes (e.g. a version byte already in place).
    public init(prefix: [UInt8], reservingCapacity capacity: Int = 64) {
        bytes = prefix
        bytes.reserveCapacity(capacity)
    }

    /// Bytes of `value` as a varint: 1…10.
    @inline(__always)
    public static func varintCount(_ value: UInt64) -> Int {
        value == 0 ? 1 : (70 - value.leadingZeroBitCount) / 7
    }

    /// Bytes of the key of field `number`.
    @inline(__always)
    public static func keyCount(field number: Int) -> Int { varintCount(UInt64(number) << 3) }

    /// Bytes of field `number` holding a varint `value`.
    @inline(__always)
    public static func uintFieldCount(field number: Int, _ value: UInt64) -> Int { keyCount(field: number) + varintCount(value) }

    /// Bytes of length-delimited field `number` with `count` bytes of payload.
    @inline(__always)
    public static func bytesFieldCount(field number: Int, count: Int) -> Int {
        keyCount(field: number) + varintCount(UInt64(count)) + count
    }

    /// A bare varint (no field key), at most 10 bytes.
    public mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Field `number` as a varint (wire type 0).
    public mutating func appendUInt(field number: Int, _ value: UInt64) {
        appendVarint(UInt64(number) << 3 | 0)
        appendVarint(value)
    }

    /// Field `number` as length-delimited bytes (wire type 2).
    public mutating func appendBytes<C: Collection>(field number: Int, _ value: C) where C.Element == UInt8 {
        appendVarint(UInt64(number) << 3 | 2)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Field `number` as length-delimited bytes produced in place by `body` (avoids a temporary).
    public mutating func appendBytes(field number: Int, count: Int, _ body: (inout [UInt8]) -> Void) {
        appendVarint(UInt64(number) << 3 | 2)
        appendVarint(UInt64(count))
        let start = bytes.count
        body(&bytes)
        precondition(bytes.count - start == count, "length-delimited field wrote \(bytes.count - start) bytes, declared \(count)")
    }

    /// Field `number` holding `secret`, copied straight from its container (no intermediate array).
    public mutating func appendSecret(field number: Int, _ secret: some ContiguousBytes) {
        let count = secret.withUnsafeBytes { $0.count }
        appendBytes(field: number, count: count) { out in secret.withUnsafeBytes { out.append(contentsOf: $0) } }
    }

    /// Field `number` holding `nested`'s bytes; `nested` is wiped afterwards, since a nested record
    /// message carries the same secrets as the record.
    public mutating func appendMessage(field number: Int, _ nested: inout ProtobufWriter) {
        appendBytes(field: number, nested.bytes)
        nested.wipe()
    }

    /// Zeroes what was written (`sodium_memzero`) and empties the writer.
    public mutating func wipe() {
        SecretBytes.wipe(&bytes)
        bytes.removeAll(keepingCapacity: false)
    }

    /// Field `number` as a 64-bit little-endian fixed value (wire type 1).
    public mutating func appendFixed64(field number: Int, _ value: UInt64) {
        appendVarint(UInt64(number) << 3 | 1)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
}
