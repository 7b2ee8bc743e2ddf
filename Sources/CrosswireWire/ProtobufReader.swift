/// Reads protobuf fields one at a time, bounds-checked. Unknown fields of the standard wire types are
/// skipped (forward compatibility); groups (types 3/4) are refused, as no Signal message uses them.
public struct ProtobufReader: Sendable {
    /// A field's payload, by wire type; interpret it with `uint32(field:)` or `bytes(field:count:)`.
    public enum Value: Sendable, Equatable {
        /// Wire type 0, at most 64 bits.
        case varint(UInt64)
        /// Wire type 1, little-endian.
        case fixed64(UInt64)
        /// Wire type 2, a slice of the input (no copy); its length was checked against the input.
        case bytes(ArraySlice<UInt8>)
        /// Wire type 5, little-endian.
        case fixed32(UInt32)
    }

    /// One decoded field.
    public struct Field: Sendable, Equatable {
        /// The field number, 1…2^29 − 1 (0 is refused).
        public let number: Int
        /// The payload.
        public let value: Value
    }

    private let input: ArraySlice<UInt8>
    private var offset: Int

    /// Reads `input` in place; offsets in errors are relative to its start.
    public init(_ input: ArraySlice<UInt8>) {
        self.input = input
        self.offset = input.startIndex
    }

    /// Reads a whole array.
    public init(_ input: [UInt8]) { self.init(input[...]) }

    /// Whether every byte has been consumed.
    public var isAtEnd: Bool { offset >= input.endIndex }

    /// The next field, or `nil` at the end of input.
    public mutating func next() throws -> Field? {
        guard !isAtEnd else { return nil }
        let key = try readVarint()
        let number = key >> 3
        guard number >= 1, number <= 0x1FFF_FFFF else {
            throw WireFormatError(.valueOutOfRange, "field number \(number) is out of range")
        }
        switch key & 7 {
        case 0:
            return Field(number: Int(number), value: .varint(try readVarint()))
        case 1:
            let raw = try take(8)
            var value: UInt64 = 0
            for (i, b) in raw.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
            return Field(number: Int(number), value: .fixed64(value))
        case 2:
            let length = try readVarint()
            guard length <= UInt64(input.endIndex - offset) else {
                throw WireFormatError(.truncated, "field \(number) declares \(length) bytes, \(input.endIndex - offset) remain")
            }
            return Field(number: Int(number), value: .bytes(try take(Int(length))))
        case 5:
            let raw = try take(4)
            var value: UInt32 = 0
            for (i, b) in raw.enumerated() { value |= UInt32(b) << (8 * UInt32(i)) }
            return Field(number: Int(number), value: .fixed32(value))
        default:
            throw WireFormatError(.unsupportedWireType, "field \(number) has wire type \(key & 7)")
        }
    }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count <= input.endIndex - offset else {
            throw WireFormatError(.truncated, "need \(count) bytes at offset \(offset - input.startIndex), \(input.endIndex - offset) remain")
        }
        defer { offset += count }
        return input[offset..<offset + count]
    }

    /// At most 10 bytes; the 10th may only carry the top bit of a 64-bit value.
    private mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < input.endIndex else {
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

extension ProtobufReader.Value {
    /// The value as a uint32 field (varint that must fit in 32 bits).
    public func uint32(field number: Int) throws -> UInt32 {
        guard case .varint(let v) = self else {
            throw WireFormatError(.unsupportedWireType, "field \(number) should be a varint")
        }
        guard v <= UInt64(UInt32.max) else {
            throw WireFormatError(.valueOutOfRange, "field \(number) value does not fit in 32 bits")
        }
        return UInt32(v)
    }

    /// The value as a bytes field, optionally of an exact length.
    public func bytes(field number: Int, count: Int? = nil) throws -> [UInt8] {
        Array(try slice(field: number, count: count))
    }

    /// The same, as a slice of the input: no copy, so a secret or nested message is read in place.
    public func slice(field number: Int, count: Int? = nil) throws -> ArraySlice<UInt8> {
        guard case .bytes(let b) = self else {
            throw WireFormatError(.unsupportedWireType, "field \(number) should be length-delimited")
        }
        if let count, b.count != count {
            throw WireFormatError(.invalidFieldLength, "field \(number) must be \(count) bytes, got \(b.count)")
        }
        return b
    }
}
