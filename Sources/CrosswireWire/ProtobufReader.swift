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

    /// The next field, or `nil` at the end of input. The rules are `ProtobufScanner`'s, which reads it.
    public mutating func next() throws -> Field? {
        guard !isAtEnd else { return nil }
        let base = input.startIndex
        let scanned = input.withUnsafeBytes { raw in
            Result { () throws(WireFormatError) -> (ProtobufScanner.Field?, Int) in
                var scanner = ProtobufScanner(raw, at: offset - base)
                let field = try scanner.next()
                return (field, scanner.position)
            }
        }
        let (field, position) = try scanned.get()
        offset = base + position
        guard let field else { return nil }
        let value: Value
        switch field.wireType {
        case 0: value = .varint(field.varint)
        case 1: value = .fixed64(field.varint)
        case 2: value = .bytes(input[(base + field.offset)..<(base + field.offset + field.bytes.count)])
        default: value = .fixed32(UInt32(truncatingIfNeeded: field.varint))
        }
        return Field(number: field.number, value: value)
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
