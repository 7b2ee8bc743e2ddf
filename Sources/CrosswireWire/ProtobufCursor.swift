/// Writes protobuf fields into a buffer whose size the caller computed exactly (with
/// `ProtobufWriter`'s `…Count` functions): a message or record is then one allocation, never regrown,
/// so no copy of the secrets it may carry is left behind in freed memory. Writing past the end traps.
public struct ProtobufCursor {
    private let buffer: UnsafeMutableRawBufferPointer
    /// Bytes written so far.
    public private(set) var offset = 0

    /// Writes from the start of `buffer`.
    public init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    /// One raw byte (a version or format byte).
    @inline(__always)
    public mutating func put(_ byte: UInt8) {
        precondition(offset < buffer.count, "protobuf cursor overrun")
        buffer[offset] = byte
        offset += 1
    }

    /// A bare varint.
    @inline(__always)
    public mutating func putVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            put(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        put(UInt8(v))
    }

    /// Field `number` as a varint.
    @inline(__always)
    public mutating func putUIntField(_ number: Int, _ value: UInt64) {
        putVarint(UInt64(number) << 3)
        putVarint(value)
    }

    /// The key and length of length-delimited field `number`; the caller writes the `count` bytes next.
    @inline(__always)
    public mutating func putKeyAndLength(_ number: Int, _ count: Int) {
        putVarint(UInt64(number) << 3 | 2)
        putVarint(UInt64(count))
    }

    /// Field `number` holding `bytes`.
    @inline(__always)
    public mutating func putBytesField(_ number: Int, _ bytes: UnsafeRawBufferPointer) {
        putKeyAndLength(number, bytes.count)
        putRaw(bytes)
    }

    /// Bytes with no key or length (the payload of a field whose header is written).
    @inline(__always)
    public mutating func putRaw(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= buffer.count - offset, "protobuf cursor overrun")
        if bytes.count > 0 { (buffer.baseAddress! + offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        offset += bytes.count
    }

    /// Field `number` as a 64-bit little-endian fixed value (wire type 1).
    @inline(__always)
    public mutating func putFixed64Field(_ number: Int, _ value: UInt64) {
        putVarint(UInt64(number) << 3 | 1)
        withUnsafeBytes(of: value.littleEndian) { putRaw($0) }
    }

    /// Hands out the next `count` bytes for the caller to fill in place.
    @inline(__always)
    public mutating func reserve(_ count: Int) -> UnsafeMutableRawBufferPointer {
        precondition(count <= buffer.count - offset, "protobuf cursor overrun")
        defer { offset += count }
        return UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + count)])
    }
}
