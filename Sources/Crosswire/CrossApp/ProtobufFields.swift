import CrosswireWire

/// The fields of one cross-app protobuf message, read strictly (SPEC §12): a known field at most once
/// (a repeated one any number of times, in order), with the wire type the `.proto` gives it; unknown
/// fields are skipped so later versions can add some.
struct ProtobufFields {
    private var values: [Int: ProtobufReader.Value] = [:]
    private var lists: [Int: [ProtobufReader.Value]] = [:]

    /// Reads every field of `bytes`; `known` are the singular fields, `repeated` the repeated ones.
    init(_ bytes: ArraySlice<UInt8>, known: Set<Int>, repeated: Set<Int> = []) throws {
        var reader = ProtobufReader(bytes)
        while let field = try reader.next() {
            if repeated.contains(field.number) {
                lists[field.number, default: []].append(field.value)
            } else if known.contains(field.number) {
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
