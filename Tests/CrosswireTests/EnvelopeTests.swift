@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
import _CrosswireTestSupport
@testable import Crosswire

@Suite("Cross-app envelope and content")
struct EnvelopeTests {
    let alice2 = try! DeviceAddress(parsing: "whatsapp:alice/2")
    let bob1 = try! DeviceAddress(parsing: "messenger:bob/1")
    let entropy = SeededEntropy(seed: 5)

    @Test("every kind round-trips; a relay's stamp changes only the timestamp", arguments: CiphertextKind.allCases)
    func roundTrip(kind: CiphertextKind) throws {
        let envelope = try Envelope(kind: kind, recipient: bob1, sender: kind.isSealed ? nil : alice2,
                                    messageID: .random(using: entropy), ciphertext: entropy.bytes(77))
        #expect(envelope.serialized.first == Envelope.version)
        #expect(try Envelope(serialized: envelope.serialized) == envelope)
        let stamped = envelope.stamped(at: 1_764_590_400_000)
        let decoded = try Envelope(serialized: stamped.serialized)
        #expect(decoded.serverTimestamp == 1_764_590_400_000)
        #expect(decoded.ciphertext == envelope.ciphertext && decoded.messageID == envelope.messageID && decoded.sender == envelope.sender)
        #expect(envelope.serverTimestamp == nil)
    }

    @Test("the sender is present exactly when the kind is not sealed")
    func senderRules() {
        #expect(throws: EnvelopeError(.senderNotAllowed, "")) {
            try Envelope(kind: .sealedSenderV1, recipient: bob1, sender: alice2, messageID: .random(using: entropy), ciphertext: [1])
        }
        #expect(throws: EnvelopeError(.missingField, "")) {
            try Envelope(kind: .signalMessage, recipient: bob1, sender: nil, messageID: .random(using: entropy), ciphertext: [1])
        }
        #expect(throws: EnvelopeError(.missingField, "")) {
            try Envelope(kind: .signalMessage, recipient: bob1, sender: alice2, messageID: .random(using: entropy), ciphertext: [])
        }
        #expect(throws: EnvelopeError(.tooLarge, "")) {
            try Envelope(kind: .signalMessage, recipient: bob1, sender: alice2, messageID: .random(using: entropy),
                         ciphertext: [UInt8](repeating: 1, count: Envelope.maximumCiphertextCount + 1))
        }
        #expect(throws: EnvelopeError(.invalidField, "")) { try MessageID(rawRepresentation: [UInt8](repeating: 0, count: 15)) }
    }

    @Test("fields a later version adds are skipped; a known field twice is refused")
    func forwardCompatible() throws {
        let envelope = try Envelope(kind: .signalMessage, recipient: bob1, sender: alice2, messageID: .random(using: entropy), ciphertext: [9, 9])
        var writer = ProtobufWriter(prefix: envelope.serialized)
        writer.appendBytes(field: 15, [1, 2, 3])
        writer.appendUInt(field: 16, 7)
        #expect(try Envelope(serialized: writer.bytes) == envelope)
        var twice = ProtobufWriter(prefix: envelope.serialized)
        twice.appendBytes(field: 6, [1])
        #expect(throws: EnvelopeError(.invalidMessage, "")) { try Envelope(serialized: twice.bytes) }
    }

    @Test("every truncation of an envelope is a typed error")
    func truncations() throws {
        let envelope = try Envelope(kind: .preKeySignalMessage, recipient: bob1, sender: alice2, messageID: .random(using: entropy),
                                    serverTimestamp: 99, ciphertext: entropy.bytes(40))
        let bytes = envelope.serialized
        for count in 0..<bytes.count {
            #expect(throws: EnvelopeError.self) { try Envelope(serialized: Array(bytes[..<count])) }
        }
    }

    @Test("the envelope's description names routing, never ciphertext bytes")
    func description() throws {
        let ciphertext: [UInt8] = [0xde, 0xad, 0xbe, 0xef, 0x42]
        let envelope = try Envelope(kind: .signalMessage, recipient: bob1, sender: alice2, messageID: .random(using: entropy), ciphertext: ciphertext)
        #expect(envelope.description.contains("messenger:bob/1") && !envelope.description.contains("deadbeef"))
        let content = try Content.text("a secret plan", at: 1)
        #expect(!content.description.contains("secret") && !String(reflecting: content).contains("secret"))
    }

    @Test("content round-trips plain and padded, with every optional field")
    func contentRoundTrip() throws {
        let group = GroupID.random(using: entropy)
        let distribution = SenderKeyDistributionMessage(layout: .distributionUUID, distributionID: entropy.bytes(16), chainID: 1, iteration: 0,
                                                        chainKey: try SymmetricKey256(rawRepresentation: entropy.bytes(32)),
                                                        signingKey: ECKeyPair.generate(using: entropy).publicKey.serialized)
        let content = try Content(type: .text, senderTimestamp: 123, groupID: group, senderKeyDistribution: distribution,
                                  syncDestination: try UserAddress(parsing: "instagram:carol"), body: Array("hi".utf8))
        #expect(try Content(serialized: content.serialized) == content)
        #expect(try Content(padded: content.padded) == content)
        #expect(content.padded.count == ContentPadding.paddedCount(forContentCount: content.serialized.count))
        #expect(throws: EnvelopeError(.missingField, "")) {
            try Content(type: .text, senderTimestamp: 1, senderKeyDistribution: distribution)
        }
        let legacy = SenderKeyDistributionMessage(layout: .legacy, distributionID: [], chainID: 1, iteration: 0,
                                                  chainKey: try SymmetricKey256(rawRepresentation: entropy.bytes(32)),
                                                  signingKey: ECKeyPair.generate(using: entropy).publicKey.serialized)
        #expect(throws: EnvelopeError(.invalidField, "")) {
            try Content(type: .text, senderTimestamp: 1, groupID: group, senderKeyDistribution: legacy)
        }
        #expect(throws: EnvelopeError(.tooLarge, "")) {
            try Content(type: .attachment, senderTimestamp: 1, body: [UInt8](repeating: 0, count: Content.maximumBodyCount + 1))
        }
        #expect(throws: EnvelopeError(.invalidField, "")) { try GroupID(rawRepresentation: [UInt8](repeating: 0, count: 31)) }
        #expect(ContentType(rawValue: 0) == nil && ContentType(rawValue: 77)?.description == "type 77")
    }

    @Test("a libsignal message travels in the envelope byte for byte, and its content decodes after decryption")
    func sessionInEnvelope() async throws {
        let (alice, bob) = try await establishedPair(seed: 61)
        let aliceDevice = try DeviceAddress(parsing: "whatsapp:alice/1"), bobDevice = try DeviceAddress(parsing: "messenger:bob/1")
        let content = try Content.text("hello across apps", at: 1_764_590_400_000)
        let message = try await alice.cipher(for: bob).encrypt(content.padded)
        let envelope = try Envelope(message, from: aliceDevice, to: bobDevice, messageID: .random(using: entropy))
        let received = try Envelope(serialized: envelope.stamped(at: 5).serialized)
        #expect(received.ciphertext == message.serialized && received.kind == .preKeySignalMessage)
        let kind = try #require(received.kind.messageKind)
        let decoded = try await bob.cipher(for: alice).decrypt(received.ciphertext, kind: kind) { _, message in
            try Content(padded: message.plaintext)
        }
        #expect(decoded == content)
    }

    @Test("content that does not decode rolls the decryption back: the store is unchanged")
    func badContentLeavesStoreUnchanged() async throws {
        let (alice, bob) = try await establishedPair(seed: 62)
        #expect(try await bob.receive(try await alice.send("first", to: bob), from: alice) == "first")
        var badPadding = try Content.text("x", at: 1).padded
        badPadding[badPadding.count - 1] = 1
        for plaintext in [badPadding, ContentPadding.pad([0x08])] {
            let message = try await alice.cipher(for: bob).encrypt(plaintext)
            let before = await bob.store.snapshot()
            await #expect(throws: SessionError.self) {
                try await bob.cipher(for: alice).decrypt(message.serialized, kind: message.kind) { _, message in
                    try Content(padded: message.plaintext)
                }
            }
            #expect(await bob.store.snapshot() == before)
        }
    }
}
