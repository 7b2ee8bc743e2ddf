/// The fields of a Sender Key protobuf, with the layout told apart by field 1's wire type (a varint key
/// id in the legacy layout, a 16-byte UUID in the current one).
struct SenderKeyFields {
    private var values: [Int: ProtobufReader.Value] = [:]
    private let names: [Int: String]

    init(_ bytes: ArraySlice<UInt8>, layout: SenderKeyLayout, names: [Int: String]) throws {
        self.names = names
        var reader = ProtobufReader(bytes)
        while let field = try reader.next() {
            guard names[field.number] != nil else { continue }
            guard values[field.number] == nil else { throw SignalMessage.duplicate(field.number) }
            values[field.number] = field.value
        }
        if let first = values[1] {
            let isLegacyShape: Bool
            if case .varint = first { isLegacyShape = true } else { isLegacyShape = false }
            if isLegacyShape != (layout == .legacy) {
                throw WireFormatError(.wrongLayout, "message is in the \(isLegacyShape ? "legacy" : "distribution-UUID") layout, the group uses \(layout.rawValue)")
            }
        }
    }

    private func value(_ number: Int) throws -> ProtobufReader.Value {
        guard let value = values[number] else {
            throw WireFormatError(.missingField, "missing \(names[number] ?? "field") (\(number))")
        }
        return value
    }

    func uint32(_ number: Int) throws -> UInt32 { try value(number).uint32(field: number) }
    func bytes(_ number: Int, count: Int? = nil) throws -> [UInt8] { try value(number).bytes(field: number, count: count) }
    func slice(_ number: Int, count: Int? = nil) throws -> ArraySlice<UInt8> { try value(number).slice(field: number, count: count) }
}
