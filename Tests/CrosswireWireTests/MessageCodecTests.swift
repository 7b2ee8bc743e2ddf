import Testing
@testable import CrosswireWire

@Suite("SignalMessage and PreKeySignalMessage codec")
struct MessageCodecTests {
    static let ratchetKey: [UInt8] = [0x05] + [UInt8](repeating: 0x11, count: 32)
    static let mac: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]

    static func sample(counter: UInt32 = 5, previous: UInt32 = 0, ciphertext: [UInt8] = [0xAA, 0xBB]) -> SignalMessage {
        SignalMessage(version: .v3, ratchetKey: ratchetKey, counter: counter, previousCounter: previous, ciphertext: ciphertext) { _ in mac }
    }

    @Test("a SignalMessage is the version byte, fields 1-4 in tag order with zero previous_counter kept, then the MAC")
    func exactBytes() {
        let message = Self.sample()
        let expected: [UInt8] = [0x33, 0x0a, 0x21] + Self.ratchetKey + [0x10, 0x05, 0x18, 0x00, 0x22, 0x02, 0xAA, 0xBB] + Self.mac
        #expect(message.serialized == expected)
        #expect(Array(message.authenticatedBytes) == Array(expected.dropLast(8)))
        #expect(Array(message.mac) == Self.mac)
    }

    @Test("decoding returns the fields, skipping unknown fields 5 and 6")
    func decode() throws {
        let message = Self.sample(counter: 300, previous: 7)
        #expect(try SignalMessage(serialized: message.serialized) == message)
        var body = Array(message.serialized.dropLast(8))
        body += [0x2a, 0x01, 0x00, 0x32, 0x00]  // pq_ratchet, addresses
        let extended = try SignalMessage(serialized: body + Self.mac)
        #expect(extended.counter == 300 && extended.previousCounter == 7 && extended.ciphertext == [0xAA, 0xBB])
    }

    @Test("malformed SignalMessages are typed errors", arguments: [
        ([0x33, 1, 2, 3, 4, 5, 6, 7, 8] as [UInt8], WireFormatError.Code.truncated),
        ([0x23] + [UInt8](repeating: 0, count: 20), .legacyVersion),
        ([0x53] + [UInt8](repeating: 0, count: 20), .unknownVersion),
        ([0x33, 0x10, 0x01, 0x22, 0x00] + mac, .missingField),
        ([0x33, 0x0a, 0x21] + ratchetKey + [0x22, 0x00] + mac, .missingField),
        ([0x33, 0x0a, 0x20] + ratchetKey.dropFirst() + [0x10, 0x00, 0x22, 0x00] + mac, .invalidFieldLength),
        ([0x33, 0x0a, 0x21, 0x06] + ratchetKey.dropFirst() + [0x10, 0x00, 0x22, 0x00] + mac, .invalidKeyType),
        ([0x33, 0x0a, 0x21] + ratchetKey + [0x10, 0x00, 0x10, 0x01, 0x22, 0x00] + mac, .duplicateField),
        ([0x33, 0x0a, 0x21] + ratchetKey + [0x10, 0x80, 0x80, 0x80, 0x80, 0x10, 0x22, 0x00] + mac, .valueOutOfRange),
        ([0x33, 0x0a, 0x40] + ratchetKey + mac, .truncated),
    ])
    func malformed(bytes: [UInt8], code: WireFormatError.Code) {
        #expect(throws: WireFormatError(code, "")) { try SignalMessage(serialized: bytes) }
    }

    @Test("oversized messages are refused before parsing")
    func oversized() {
        let huge = [0x33] + [UInt8](repeating: 0, count: WireLimits.maxMessageBytes)
        #expect(throws: WireFormatError(.tooLarge, "")) { try SignalMessage(serialized: huge) }
        #expect(throws: WireFormatError(.tooLarge, "")) { try PreKeySignalMessage(serialized: huge) }
    }

    @Test("every truncation of a valid message fails with a typed error, never a crash")
    func truncations() {
        let inner = Self.sample()
        let outer = PreKeySignalMessage(version: .v3, registrationID: 77, preKeyID: 9, signedPreKeyID: 4,
                                        baseKey: Self.ratchetKey, identityKey: Self.ratchetKey, message: inner)
        for length in 0..<outer.serialized.count {
            #expect(throws: WireFormatError.self) { try PreKeySignalMessage(serialized: Array(outer.serialized.prefix(length))) }
        }
        for length in 0..<9 {
            #expect(throws: WireFormatError.self) { try SignalMessage(serialized: Array(inner.serialized.prefix(length))) }
        }
    }

    @Test("a PreKeySignalMessage writes fields 1-6 in tag order; field 1 is absent without a one-time prekey")
    func preKeyBytes() throws {
        let inner = Self.sample()
        let with = PreKeySignalMessage(version: .v3, registrationID: 300, preKeyID: 9, signedPreKeyID: 4,
                                       baseKey: Self.ratchetKey, identityKey: Self.ratchetKey, message: inner)
        let expected: [UInt8] = [0x33, 0x08, 0x09, 0x12, 0x21] + Self.ratchetKey + [0x1a, 0x21] + Self.ratchetKey
            + [0x22, UInt8(inner.serialized.count)] + inner.serialized + [0x28, 0xac, 0x02, 0x30, 0x04]
        #expect(with.serialized == expected)
        #expect(try PreKeySignalMessage(serialized: expected) == with)
        let without = PreKeySignalMessage(version: .v3, registrationID: 300, preKeyID: nil, signedPreKeyID: 4,
                                          baseKey: Self.ratchetKey, identityKey: Self.ratchetKey, message: inner)
        #expect(without.serialized[1] == 0x12)
        #expect(try PreKeySignalMessage(serialized: without.serialized).preKeyID == nil)
    }

    @Test("PreKeySignalMessages refuse missing fields, Kyber fields in v3, and a mismatched inner version")
    func preKeyMalformed() {
        let inner = Self.sample()
        func build(_ fields: [UInt8]) -> [UInt8] { [0x33] + fields }
        let base: [UInt8] = [0x12, 0x21] + Self.ratchetKey, identity: [UInt8] = [0x1a, 0x21] + Self.ratchetKey
        let message: [UInt8] = [0x22, UInt8(inner.serialized.count)] + inner.serialized
        #expect(throws: WireFormatError(.missingField, "")) { try PreKeySignalMessage(serialized: build(base + identity + message)) }
        #expect(throws: WireFormatError(.missingField, "")) { try PreKeySignalMessage(serialized: build(identity + message + [0x30, 0x01])) }
        #expect(throws: WireFormatError(.unknownVersion, "")) {
            try PreKeySignalMessage(serialized: build(base + identity + message + [0x30, 0x01, 0x38, 0x01]))
        }
        var v4inner = inner.serialized
        v4inner[0] = 0x43
        #expect(throws: WireFormatError(.unknownVersion, "")) {
            try PreKeySignalMessage(serialized: build(base + identity + [0x22, UInt8(v4inner.count)] + v4inner + [0x30, 0x01]))
        }
    }
}
