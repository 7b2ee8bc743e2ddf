import Testing
@testable import CrosswireWire

@Suite("Protobuf codec")
struct ProtobufTests {
    @Test("fields are written in call order with set-but-zero values kept")
    func writerBytes() {
        var writer = ProtobufWriter(prefix: [0x33])
        writer.appendBytes(field: 1, [0x05, 0x01])
        writer.appendUInt(field: 2, 0)
        writer.appendUInt(field: 3, 300)
        writer.appendBytes(field: 4, count: 2) { $0 += [0xAA, 0xBB] }
        #expect(writer.bytes == [0x33, 0x0a, 0x02, 0x05, 0x01, 0x10, 0x00, 0x18, 0xac, 0x02, 0x22, 0x02, 0xaa, 0xbb])
    }

    @Test("reader returns what the writer wrote, including unknown fixed fields")
    func roundTrip() throws {
        var writer = ProtobufWriter()
        writer.appendUInt(field: 5, UInt64(UInt32.max))
        writer.appendFixed64(field: 9, 0x0102030405060708)
        writer.appendBytes(field: 536_870_911, [] as [UInt8])
        var reader = ProtobufReader(writer.bytes)
        let first = try #require(try reader.next())
        #expect(first.number == 5)
        #expect(try first.value.uint32(field: 5) == UInt32.max)
        #expect(try reader.next() == .init(number: 9, value: .fixed64(0x0102030405060708)))
        #expect(try reader.next()?.value == .bytes([]))
        #expect(try reader.next() == nil)
    }

    @Test("truncated, overlong and malformed input are typed errors", arguments: [
        ([0x0a, 0x05, 0x01] as [UInt8], WireFormatError.Code.truncated),
        ([0x10] as [UInt8], .truncated),
        ([0x10, 0x80] as [UInt8], .truncated),
        ([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02] as [UInt8], .malformedVarint),
        ([0x0b] as [UInt8], .unsupportedWireType),
        ([0x00, 0x01] as [UInt8], .valueOutOfRange),
        ([0x09, 0x01, 0x02] as [UInt8], .truncated),
        ([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f] as [UInt8], .truncated),
    ])
    func malformed(bytes: [UInt8], code: WireFormatError.Code) {
        var reader = ProtobufReader(bytes)
        #expect(throws: WireFormatError(code, "")) {
            while try reader.next() != nil {}
        }
    }

    @Test("typed accessors check wire type, range and length")
    func accessors() {
        #expect(throws: WireFormatError(.valueOutOfRange, "")) { try ProtobufReader.Value.varint(1 << 32).uint32(field: 1) }
        #expect(throws: WireFormatError(.unsupportedWireType, "")) { try ProtobufReader.Value.varint(1).bytes(field: 1) }
        #expect(throws: WireFormatError(.invalidFieldLength, "")) { try ProtobufReader.Value.bytes([1, 2]).bytes(field: 1, count: 33) }
    }
}
