/// Reads protobuf fields from raw memory, one at a time, bounds-checked, with the same rules as
/// `ProtobufReader` (unknown fields of the standard wire types skipped, groups refused, varints of at
/// most 64 bits). A field's payload is a pointer into the input, so scanning retains and copies
/// nothing: the decoders that run per message or per record use it, inside the input's
/// `withUnsafeBytes`. The pointers must not outlive that call.
@frozen
public struct ProtobufScanner {
    /// One field: its number, wire type and payload (`varint` for types 0, 1 and 5, `bytes` for 2).
    @frozen
    public struct Field {
        /// The field number, 1…2^29 − 1.
        public let number: Int
        /// 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
        public let wireType: UInt8
        /// The value of a varint, fixed64 or fixed32 field (0 for bytes).
        public let varint: UInt64
        /// The payload of a length-delimited field (empty otherwise).
        public let bytes: UnsafeRawBufferPointer
        /// Where `bytes` starts in the scanned input.
        public let offset: Int

        @inlinable
        init(number: Int, wireType: UInt8, varint: UInt64, bytes: UnsafeRawBufferPointer, offset: Int) {
            (self.number, self.wireType, self.varint, self.bytes, self.offset) = (number, wireType, varint, bytes, offset)
        }

        /// The value of a uint32 field: a varint that fits in 32 bits.
        @inlinable
        public func uint32() throws(WireFormatError) -> UInt32 {
            guard wireType == 0 else { throw WireFormatError(.unsupportedWireType, "field \(number) should be a varint") }
            guard varint <= UInt64(UInt32.max) else { throw WireFormatError(.valueOutOfRange, "field \(number) value does not fit in 32 bits") }
            return UInt32(varint)
        }

        /// The payload of a length-delimited field, optionally of an exact length.
        @inlinable
        public func bytes(count: Int? = nil) throws(WireFormatError) -> UnsafeRawBufferPointer {
            guard wireType == 2 else { throw WireFormatError(.unsupportedWireType, "field \(number) should be length-delimited") }
            if let count, bytes.count != count {
                throw WireFormatError(.invalidFieldLength, "field \(number) must be \(count) bytes, got \(bytes.count)")
            }
            return bytes
        }
    }

    @usableFromInline let input: UnsafeRawBufferPointer
    @usableFromInline var offset = 0

    /// Scans `input` from its start; offsets are relative to it.
    @inlinable
    public init(_ input: UnsafeRawBufferPointer) { self.input = input }

    /// Resumes a scan of `input` at `offset` (how `ProtobufReader` reads its slice one field at a time).
    init(_ input: UnsafeRawBufferPointer, at offset: Int) {
        self.input = input
        self.offset = offset
    }

    /// Where the next field starts.
    var position: Int { offset }

    /// The next field, or `nil` at the end of the input.
    @inlinable
    public mutating func next() throws(WireFormatError) -> Field? {
        guard offset < input.count else { return nil }
        let key = try readVarint()
        let number = key >> 3
        guard number >= 1, number <= 0x1FFF_FFFF else {
            throw WireFormatError(.valueOutOfRange, "field number \(number) is out of range")
        }
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        switch key & 7 {
        case 0:
            return Field(number: Int(number), wireType: 0, varint: try readVarint(), bytes: empty, offset: offset)
        case 1:
            return Field(number: Int(number), wireType: 1, varint: try readFixed(8), bytes: empty, offset: offset)
        case 2:
            let length = try readVarint()
            guard length <= UInt64(input.count - offset) else {
                throw WireFormatError(.truncated, "field \(number) declares \(length) bytes, \(input.count - offset) remain")
            }
            let start = offset
            offset += Int(length)
            return Field(number: Int(number), wireType: 2, varint: 0,
                         bytes: UnsafeRawBufferPointer(rebasing: input[start..<offset]), offset: start)
        case 5:
            return Field(number: Int(number), wireType: 5, varint: try readFixed(4), bytes: empty, offset: offset)
        default:
            throw WireFormatError(.unsupportedWireType, "field \(number) has wire type \(key & 7)")
        }
    }

    @inlinable
    mutating func readFixed(_ count: Int) throws(WireFormatError) -> UInt64 {
        guard count <= input.count - offset else {
            throw WireFormatError(.truncated, "need \(count) bytes at offset \(offset), \(input.count - offset) remain")
        }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(input[offset + i]) << (8 * UInt64(i)) }
        offset += count
        return value
    }

    /// At most 10 bytes; the 10th may only carry the top bit of a 64-bit value.
    @inlinable
    mutating func readVarint() throws(WireFormatError) -> UInt64 {
        // Keys, lengths and most values of Signal's messages and records are one byte.
        if offset < input.count, input[offset] < 0x80 {
            defer { offset += 1 }
            return UInt64(input[offset])
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < input.count else {
                throw WireFormatError(.truncated, "varint runs past the end of input")
            }
            let byte = input[offset]
            offset += 1
            if shift == 63 && byte > 1 {
                throw WireFormatError(.malformedVarint, "varint overflows 64 bits")
            }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }
}
