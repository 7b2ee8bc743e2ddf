import CrosswireWire

/// The fields of one cross-app protobuf message, read strictly (SPEC §12): a known field at most once
/// (a repeated one any number of times, in order), with the wire type the `.proto` gives it; unknown
/// fields are skipped so later versions can add some.
struct ProtobufFields {
    /// Indexed by field number; slot 0 is unused.
    private var values: [ProtobufReader.Value?]
    private var lists: [Int: [ProtobufReader.Value]] = [:]

    /// Reads every field of `bytes`: fields 1…`count` are the message's, those in `repeated` may occur
    /// many times.
    init(_ bytes: ArraySlice<UInt8>, fields count: Int, repeated: [Int] = []) throws {
        values = Array(repeating: nil, count: count + 1)
        var reader = ProtobufReader(bytes)
        while let field = try reader.next() {
            guard field.number <= count else { continue }
            if repeated.contains(field.number) {
                lists[field.number, default: []].append(field.value)
            } else {
                guard values[field.number] == nil else {
                    throw WireFormatError(.duplicateField, "field \(field.number) appears twice")
                }
                values[field.number] = field.value
            }
        }
    }

    /// A varint field, or `nil` when absent.
    func uint64(_ number: Int) throws -> UInt64? {
        guard let value = values[number] else { return nil }
        guard case .varint(let v) = value else {
            throw WireFormatError(.unsupportedWireType, "field \(number) should be a varint")
        }
        return v
    }

    /// A varint field that must fit 32 bits, or `nil` when absent.
    func uint32(_ number: Int) throws -> UInt32? {
        try values[number].map { value throws in try value.uint32(field: number) }
    }

    /// A length-delimited field (optionally of an exact length), or `nil` when absent.
    func bytes(_ number: Int, count: Int? = nil) throws -> ArraySlice<UInt8>? {
        try values[number].map { value throws in try value.slice(field: number, count: count) }
    }

    /// Every occurrence of a repeated length-delimited field, in order.
    func repeatedBytes(_ number: Int) throws -> [ArraySlice<UInt8>] {
        try (lists[number] ?? []).map { value throws in try value.slice(field: number) }
    }
}
