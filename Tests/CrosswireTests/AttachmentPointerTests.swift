@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation
import Testing
@testable import Crosswire

/// Attachment pointers (SPEC §14.3) on the wire and through the cross-app client: the blob goes to a
/// media store, the pointer inside the end-to-end encrypted content to every device.
@Suite("Attachment pointers")
struct AttachmentPointerTests {
    static func pointer(_ format: AttachmentFormat, fileName: String? = "photo.jpg") throws -> (AttachmentPointer, [UInt8], [UInt8]) {
        let photo = SeededEntropy(seed: 9).bytes(20_000)
        let (blob, attachment) = try AttachmentCipher.encrypt(photo, with: AttachmentKey(for: format))
        return (try AttachmentPointer(attachment, contentType: "image/jpeg", blobID: "blob-\(Hex.encode(attachment.digest.prefix(8)))", fileName: fileName), blob, photo)
    }

    @Test("pointers round trip for both formats and every media type, key redacted when printed")
    func roundTrip() throws {
        for format in [AttachmentFormat.signal] + WhatsAppMediaType.allCases.map(AttachmentFormat.whatsApp) {
            for fileName in ["photo.jpg", nil] {
                let (pointer, blob, photo) = try Self.pointer(format, fileName: fileName)
                let decoded = try AttachmentPointer(serialized: pointer.serialized)
                #expect(decoded == pointer && decoded.serialized == pointer.serialized)
                #expect(try AttachmentCipher.decrypt(blob, expecting: decoded.reference) == photo)
                let content = try Content.attachment(pointer, at: 7)
                #expect(try Content(padded: content.padded).attachmentPointer() == pointer)
                #expect(!"\(pointer)".contains(Hex.encode(pointer.key.rawRepresentation.unprotectedBytes.prefix(4))) && "\(pointer)".contains("redacted"))
            }
        }
        #expect(try Content.text("hi", at: 1).attachmentPointer() == nil)
    }

    @Test("malformed pointers are typed errors")
    func strict() throws {
        let (signal, _, _) = try Self.pointer(.signal)
        let (whatsApp, _, _) = try Self.pointer(.whatsApp(.image))
        func fields(_ pointer: AttachmentPointer, dropping dropped: Int? = nil, replacing: (Int, [UInt8])? = nil, adding: [UInt8] = []) throws -> [UInt8] {
            var reader = ProtobufReader(pointer.serialized[...])
            var writer = ProtobufWriter()
            while let field = try reader.next() {
                if field.number == dropped { continue }
                if let (number, bytes) = replacing, number == field.number {
                    writer.appendBytes(field: number, bytes)
                    continue
                }
                switch field.value {
                case .varint(let value): writer.appendUInt(field: field.number, value)
                case .bytes(let bytes): writer.appendBytes(field: field.number, bytes)
                default: Issue.record("unexpected wire type")
                }
            }
            return writer.bytes + adding
        }
        var duplicate = ProtobufWriter()
        duplicate.appendUInt(field: 6, 1)
        let cases: [([UInt8], EnvelopeError.Code, String)] = [
            (try fields(signal, dropping: 1), .missingField, "no format"),
            (try fields(signal, dropping: 3), .missingField, "no key"),
            (try fields(signal, dropping: 4), .missingField, "no digest"),
            (try fields(signal, dropping: 6), .missingField, "no size"),
            (try fields(signal, dropping: 7), .missingField, "no content type"),
            (try fields(signal, dropping: 8), .missingField, "no blob id"),
            (try fields(whatsApp, dropping: 2), .missingField, "WhatsApp without a media type"),
            (try fields(whatsApp, dropping: 5), .missingField, "WhatsApp without a plaintext digest"),
            (try fields(signal, replacing: (3, [UInt8](repeating: 1, count: 32))), .invalidField, "a 32-byte Signal key"),
            (try fields(whatsApp, replacing: (3, [UInt8](repeating: 1, count: 64))), .invalidField, "a 64-byte WhatsApp key"),
            (try fields(signal, replacing: (4, [1, 2, 3])), .invalidField, "a short digest"),
            (try fields(whatsApp, replacing: (5, [1])), .invalidField, "a short plaintext digest"),
            (try fields(signal, replacing: (7, [0xFF, 0xFE])), .invalidField, "a content type that is not UTF-8"),
            (try fields(signal, replacing: (8, [UInt8](repeating: 0x61, count: 256))), .invalidField, "a blob id over 255 bytes"),
            (try fields(signal, adding: duplicate.bytes), .invalidMessage, "a size twice"),
            (Array(signal.serialized.dropLast()), .invalidMessage, "truncated"),
        ]
        for (bytes, code, what) in cases {
            #expect(throws: EnvelopeError(code, ""), "\(what)") { try AttachmentPointer(serialized: bytes) }
        }
        var unknown = ProtobufWriter()
        unknown.appendUInt(field: 1, 3)
        #expect(throws: EnvelopeError(.invalidField, "")) { try AttachmentPointer(serialized: unknown.bytes + (try fields(signal, dropping: 1))) }
    }

    @Test("through the client: the pointer reaches every device of the recipient and the sender's others; each fetches and decrypts the blob")
    func throughTheClient() async throws {
        let world = CrossAppWorld(seed: 900)
        let alice = try await world.register("whatsapp:alice")
        try await world.link(to: alice)
        let bob = try await world.register("messenger:bob")
        try await world.link(to: bob)
        var mediaStore: [String: [UInt8]] = [:]
        let (pointer, blob, photo) = try Self.pointer(.whatsApp(.image))
        mediaStore[pointer.blobID] = blob
        let report = try await alice.send(pointer, to: bob.address.user)
        #expect(report.devices.count == 3)
        try await world.deliverAll()
        for device in ["messenger:bob/1", "messenger:bob/2", "whatsapp:alice/2"] {
            let received = try #require(await world.inbox[try DeviceAddress(parsing: device)]?.last)
            let got = try #require(received.attachment, "\(device) got no pointer")
            #expect(got == pointer && got.fileName == "photo.jpg")
            #expect(try AttachmentCipher.decrypt(try #require(mediaStore[got.blobID]), expecting: got.reference) == photo)
        }
        // The relay never saw the key: the envelopes held only ciphertext of the padded content.
        let group = try await alice.createGroup(named: "photos", members: [bob.address.user])
        try await world.deliverAll()
        let (signalPointer, signalBlob, _) = try Self.pointer(.signal)
        try await alice.send(signalPointer, toGroup: group)
        try await world.deliverAll()
        let inGroup = try #require(await world.inbox[bob.address]?.last)
        #expect(inGroup.content.groupID == group && inGroup.attachment == signalPointer)
        #expect(try AttachmentCipher.decrypt(signalBlob, expecting: try #require(inGroup.attachment).reference).prefix(photo.count) == photo[...])
    }

    @Test("an attachment content whose pointer does not decode is refused and changes nothing")
    func malformedThroughTheClient() async throws {
        let world = CrossAppWorld(seed: 950)
        let alice = try await world.register("whatsapp:alice")
        let bob = try await world.register("messenger:bob")
        try await alice.send(Content(type: .attachment, senderTimestamp: 1, body: [0x08, 0x01, 0x1A, 0x02, 1, 2]), to: bob.address.user)
        _ = try await bob.deviceList(for: alice.address.user)
        let envelope = try #require(await world.directory.pending(for: bob.address).first)
        let before = await bob.store.snapshot()
        await #expect(throws: ClientError(.invalidContent, "")) { try await bob.receive(envelope) }
        #expect(await bob.store.snapshot() == before)
    }
}
