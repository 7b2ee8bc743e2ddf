@_spi(Hazmat) import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import Foundation
import Testing

/// Attachments (SPEC §14): both formats round trip in memory, over async sequences and file to file
/// with any chunking; every refusal is typed and leaves no plaintext at the destination.
@Suite("Attachments")
struct AttachmentTests {
    static let formats: [AttachmentFormat] = [.signal, .whatsApp(.image), .whatsApp(.document)]

    /// A folder under the temporary directory, removed when released.
    final class Folder: Sendable {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("crosswire-attachments-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        func file(_ name: String) -> URL { url.appendingPathComponent(name) }
        var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: url.path).sorted()) ?? [] }
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    /// An async sequence over `bytes` in chunks of the given sizes (cycled).
    struct Chunked: AsyncSequence, Sendable {
        let bytes: [UInt8]
        let sizes: [Int]
        struct AsyncIterator: AsyncIteratorProtocol {
            let bytes: [UInt8], sizes: [Int]
            var offset = 0, index = 0
            mutating func next() async -> [UInt8]? {
                guard offset < bytes.count else { return nil }
                let end = Swift.min(bytes.count, offset + sizes[index % sizes.count])
                defer { offset = end; index += 1 }
                return Array(bytes[offset..<end])
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes, sizes: sizes) }
    }

    static func plaintext(_ count: Int, seed: UInt64 = 7) -> [UInt8] { count == 0 ? [] : SeededEntropy(seed: seed).bytes(count) }

    @Test("round trips in memory at block, bucket and chunk boundaries", arguments: formats)
    func roundTrips(format: AttachmentFormat) throws {
        for count in [0, 1, 15, 16, 17, 540, 541, 542, 4096, AttachmentCipher.chunkCount - 1, AttachmentCipher.chunkCount + 1] {
            let key = AttachmentKey(for: format)
            let input = Self.plaintext(count)
            let (blob, attachment) = try AttachmentCipher.encrypt(input, with: key)
            #expect(blob.count == attachment.blobCount && blob.count == format.blobCount(forPlaintextCount: count))
            #expect(attachment.digest == SHA256Hash.hash(blob) && attachment.size == count)
            if format == .signal {
                #expect(attachment.plaintextDigest == nil && attachment.paddedSize == AttachmentPadding.paddedCount(for: count))
                // Without a size the zero padding stays; with it, the plaintext comes back exactly.
                let padded = try AttachmentCipher.decrypt(blob, expecting: AttachmentReference(key: key, digest: attachment.digest))
                #expect(padded.count == attachment.paddedSize && Array(padded[0..<count]) == input && padded[count...].allSatisfy { $0 == 0 })
            } else {
                #expect(attachment.plaintextDigest == SHA256Hash.hash(input) && attachment.paddedSize == count)
            }
            #expect(try AttachmentCipher.decrypt(blob, expecting: attachment.reference) == input)
        }
    }

    @Test("any chunking gives the same blob and the same plaintext", arguments: formats)
    func chunking(format: AttachmentFormat) async throws {
        let key = AttachmentKey(for: format)
        let input = Self.plaintext(70_001)

        let (blob, attachment) = try AttachmentCipher.encrypt(input, with: key, using: SeededEntropy(seed: 1))
        for sizes in [[1], [7, 16, 1000], [4096], [65_536, 3], [1_000_000]] {
            var streamed: [UInt8] = []
            let again = try await AttachmentCipher.encrypt(Chunked(bytes: input, sizes: sizes), with: key, using: SeededEntropy(seed: 1)) { streamed += $0 }
            #expect(streamed == blob && again == attachment, "chunks \(sizes)")
            var decryptor = try AttachmentDecryptor(expecting: attachment.reference)
            var plaintext: [UInt8] = []
            var offset = 0, index = 0
            while offset < blob.count {
                let end = min(blob.count, offset + sizes[index % sizes.count])
                var out = [UInt8](repeating: 0, count: end - offset + AttachmentDecryptor.overheadCount)
                let count = try decryptor.update(blob.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[offset..<end]) }.copiedArray, into: &out)
                plaintext += out[0..<count]
                offset = end
                index += 1
            }
            var last = [UInt8](repeating: 0, count: 16)
            let count = try last.withUnsafeMutableBytes { out in try decryptor.finish(into: out) }
            plaintext += last[0..<count]
            #expect(plaintext == input, "chunks \(sizes)")
        }
    }

    @Test("file to file, async sequence to file, and FileChunks over a descriptor", arguments: formats)
    func files(format: AttachmentFormat) async throws {
        let folder = try Folder()
        let input = Self.plaintext(1_048_576 + 3)
        try Data(input).write(to: folder.file("in"))
        let key = AttachmentKey(for: format)
        let attachment = try AttachmentCipher.encryptFile(at: folder.file("in"), to: folder.file("blob"), with: key)
        let blob = [UInt8](try Data(contentsOf: folder.file("blob")))
        #expect(SHA256Hash.hash(blob) == attachment.digest && blob.count == attachment.blobCount)
        try AttachmentCipher.decryptFile(at: folder.file("blob"), to: folder.file("out"), expecting: attachment.reference)
        #expect([UInt8](try Data(contentsOf: folder.file("out"))) == input)
        try await AttachmentCipher.decrypt(FileChunks(contentsOf: folder.file("blob"), chunkCount: 10_000), expecting: attachment.reference,
                                           to: folder.file("out2"))
        #expect([UInt8](try Data(contentsOf: folder.file("out2"))) == input)
        let handle = try FileHandle(forReadingFrom: folder.file("blob"))
        defer { try? handle.close() }
        try await AttachmentCipher.decrypt(FileChunks(fileDescriptor: handle.fileDescriptor), expecting: attachment.reference, to: folder.file("out3"))
        #expect([UInt8](try Data(contentsOf: folder.file("out3"))) == input)
        #expect(folder.contents == ["blob", "in", "out", "out2", "out3"], "no temporary file left behind")
    }

    /// Decrypts `blob` to a file over an existing destination and expects `code`: the destination keeps
    /// its old bytes and nothing else appears in the folder.
    func expectRefused(_ blob: [UInt8], _ reference: AttachmentReference, _ code: AttachmentError.Code, _ what: String) throws {
        let folder = try Folder()
        try Data(blob).write(to: folder.file("blob"))
        try Data("old".utf8).write(to: folder.file("out"))
        do {
            try AttachmentCipher.decryptFile(at: folder.file("blob"), to: folder.file("out"), expecting: reference)
            Issue.record("\(what): accepted")
        } catch {
            #expect(error.code == code, "\(what): \(error)")
        }
        #expect(try Data(contentsOf: folder.file("out")) == Data("old".utf8), "\(what): the destination changed")
        #expect(folder.contents == ["blob", "out"], "\(what): left \(folder.contents)")
        #expect(throws: AttachmentError.self) { try AttachmentCipher.decrypt(blob, expecting: reference) }
    }

    @Test("every tampered byte, every truncation, a wrong key, digest, size or file digest is refused", arguments: formats)
    func refusals(format: AttachmentFormat) throws {
        let key = AttachmentKey(for: format)
        let input = Self.plaintext(1000)
        let (blob, attachment) = try AttachmentCipher.encrypt(input, with: key)
        let reference = attachment.reference
        let scale = Double(ProcessInfo.processInfo.environment["CROSSWIRE_SCALE"] ?? "1") ?? 1
        let step = scale < 1 ? 7 : 1
        for offset in stride(from: 0, to: blob.count, by: step) {
            var tampered = blob
            tampered[offset] ^= 0x40
            #expect(throws: AttachmentError(.digestMismatch, "")) { try AttachmentCipher.decrypt(tampered, expecting: reference) }
            // A forger who also controls the digest still fails the MAC.
            let forged = try AttachmentReference(key: key, digest: SHA256Hash.hash(tampered), plaintextDigest: reference.plaintextDigest, size: reference.size)
            #expect(throws: AttachmentError(.authenticationFailed, "")) { try AttachmentCipher.decrypt(tampered, expecting: forged) }
        }
        for count in stride(from: 0, to: blob.count, by: step * 3) {
            let cut = Array(blob[0..<count])
            let expected: AttachmentError.Code = (count - format.headerCount - format.macCount) % 16 == 0 && count - format.headerCount - format.macCount > 0
                ? .authenticationFailed : .truncated
            let forged = try AttachmentReference(key: key, digest: SHA256Hash.hash(cut), plaintextDigest: reference.plaintextDigest, size: reference.size)
            #expect(throws: AttachmentError(expected, "")) { try AttachmentCipher.decrypt(cut, expecting: forged) }
        }
        try expectRefused(Array(blob.dropLast()), reference, .truncated, "one byte short")
        var flipped = blob
        flipped[blob.count / 2] ^= 1
        try expectRefused(flipped, reference, .digestMismatch, "a flipped byte")
        let otherKey = AttachmentKey(for: format)
        try expectRefused(blob, try AttachmentReference(key: otherKey, digest: reference.digest, plaintextDigest: reference.plaintextDigest, size: reference.size),
                          .authenticationFailed, "another key")
        try expectRefused(blob, try AttachmentReference(key: key, digest: SHA256Hash.hash([1]), plaintextDigest: reference.plaintextDigest, size: reference.size),
                          .digestMismatch, "another digest")
        try expectRefused(blob, try AttachmentReference(key: key, digest: reference.digest, plaintextDigest: reference.plaintextDigest, size: attachment.paddedSize + 1),
                          .sizeMismatch, "a size past the plaintext")
        try expectRefused(blob, try AttachmentReference(key: key, digest: reference.digest, plaintextDigest: reference.plaintextDigest, size: 999),
                          .sizeMismatch, "a size one byte short")
        if case .whatsApp = format {
            try expectRefused(blob, try AttachmentReference(key: key, digest: reference.digest, plaintextDigest: SHA256Hash.hash([2]), size: 1000),
                              .plaintextDigestMismatch, "another file SHA-256")
            try expectRefused(blob, try AttachmentReference(key: try AttachmentKey(rawRepresentation: key.rawRepresentation, format: .whatsApp(.video)),
                                                            digest: reference.digest, plaintextDigest: reference.plaintextDigest), .authenticationFailed,
                              "the key expanded for another media type")
        }
    }

    @Test("malformed keys, digests and sizes are typed errors")
    func malformedInputs() throws {
        #expect(throws: AttachmentError(.invalidKey, "")) { try AttachmentKey(rawRepresentation: [UInt8](repeating: 1, count: 32), format: .signal) }
        #expect(throws: AttachmentError(.invalidKey, "")) { try AttachmentKey(rawRepresentation: [UInt8](repeating: 1, count: 64), format: .whatsApp(.audio)) }
        let key = AttachmentKey(for: .signal)
        #expect(throws: AttachmentError(.invalidKey, "")) { try AttachmentReference(key: key, digest: [1, 2, 3]) }
        #expect(throws: AttachmentError(.sizeMismatch, "")) { try AttachmentReference(key: key, digest: SHA256Hash.hash([1]), size: -1) }
        #expect("\(key)" == "AttachmentKey(signal, redacted)")
        let folder = try Folder()
        #expect(throws: AttachmentError(.ioFailure, "")) {
            try AttachmentCipher.encryptFile(at: folder.file("missing"), to: folder.file("blob"), with: key)
        }
        #expect(folder.contents.isEmpty)
    }

    @Test("Signal's buckets: at least the size, within 5 %, never below 541, monotone")
    func buckets() {
        var previous = 0
        for count in Array(0...3000) + stride(from: 3001, to: 50_000_000, by: 9973).map({ $0 }) {
            let padded = AttachmentPadding.paddedCount(for: count)
            #expect(padded >= max(count, 541) && padded >= previous)
            if count > 541 { #expect(Double(padded) <= Double(count) * 1.05 + 1) }
            previous = padded
        }
    }
}

extension UnsafeRawBufferPointer {
    var copiedArray: [UInt8] { Array(self) }
}

extension AttachmentDecryptor {
    /// For the test: `update` with array arguments.
    mutating func update(_ chunk: [UInt8], into output: inout [UInt8]) throws(AttachmentError) -> Int {
        let result: Result<Int, AttachmentError> = chunk.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in Result { () throws(AttachmentError) in try update(input, into: out) } }
        }
        return try result.get()
    }
}
