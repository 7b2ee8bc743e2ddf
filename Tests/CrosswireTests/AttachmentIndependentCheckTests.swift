import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import Foundation
import Testing
import _CrosswireTestSupport

/// Attachments checked by an implementation that is not Crosswire: scripts/checks/attachments.py,
/// written from FACTS §7.4 / §3.1 on Python's `cryptography` (in the `protobuf` peer venv), re-derives
/// every case of Vectors/attachments.json, decrypts blobs Crosswire made and makes blobs Crosswire
/// decrypts, through the library and through `crosswire attachment`.
@Suite("Attachments, checked with Python's cryptography", .enabled(if: PeerEnvironment.shouldRun(peers: ["protobuf"], binary: true)))
struct AttachmentIndependentCheckTests {
    struct Report: Decodable {
        let checked: [String: Int]
        let failures: [String]
    }

    static let script = "scripts/checks/attachments.py"

    func python(_ arguments: [String]) throws -> (Int32, String) {
        let missing = PeerEnvironment.missing(peers: ["protobuf"], binary: true)
        try #require(missing.isEmpty, "cannot run the independent check: missing \(missing)")
        return PeerEnvironment.run(PeerEnvironment.python("protobuf").path, [Self.script] + arguments)
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    @Test("every vector agrees: padding buckets, blobs re-encrypted byte for byte, the same refusal codes, pointers through protobuf")
    func vectorsAgree() throws {
        let (status, output) = try python(["vectors"])
        let report = try JSONDecoder().decode(Report.self, from: Data(output.utf8))
        #expect(status == 0 && report.failures.isEmpty, "\(report.failures)")
        #expect(report.checked["SignalAttachment", default: 0] >= 15 && report.checked["WhatsAppMedia", default: 0] >= 15
            && report.checked["SignalAttachmentPadding", default: 0] >= 20 && report.checked["AttachmentPointer", default: 0] >= 3)
    }

    @Test("the check notices a changed vector")
    func noticesTampering() throws {
        let url = PeerEnvironment.root.appendingPathComponent("Vectors/attachments.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        let range = try #require(text.range(of: "\"paddedSize\" : 541"))
        text.replaceSubrange(range, with: "\"paddedSize\" : 542")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("attachments-tampered-\(getpid()).json")
        try Data(text.utf8).write(to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let (status, output) = try python(["vectors", copy.path])
        let report = try JSONDecoder().decode(Report.self, from: Data(output.utf8))
        #expect(status == 1 && report.failures.count == 1 && report.failures[0].contains("padded size"))
    }

    @Test("Crosswire's blobs decrypt in Python and Python's in Crosswire, both formats, up to 1 MiB",
          arguments: [AttachmentFormat.signal, .whatsApp(.video), .whatsApp(.audio)])
    func crossed(format: AttachmentFormat) throws {
        let folder = try AttachmentTests.Folder()
        let name = format.description.replacingOccurrences(of: "whatsapp/", with: "whatsapp/")
        for count in [0, 1, 541, 100_003, 1_048_576 + 7] {
            let input = AttachmentTests.plaintext(count, seed: UInt64(count))
            try Data(input).write(to: folder.file("in"))
            // Crosswire → Python
            let key = AttachmentKey(for: format)
            let attachment = try AttachmentCipher.encryptFile(at: folder.file("in"), to: folder.file("blob"), with: key)
            let (status, output) = try python(["decrypt", name, Hex.encode(key.rawRepresentation.unprotectedBytes), Hex.encode(attachment.digest),
                                               attachment.plaintextDigest.map(Hex.encode) ?? "-", String(count), folder.file("blob").path, folder.file("py-out").path])
            #expect(status == 0, "Python refused Crosswire's \(format) blob of \(count): \(output)")
            #expect([UInt8](try Data(contentsOf: folder.file("py-out"))) == input)
            // Python → Crosswire
            let theirs = AttachmentKey(for: format)
            let (made, line) = try python(["encrypt", name, Hex.encode(theirs.rawRepresentation.unprotectedBytes), folder.file("in").path, folder.file("py-blob").path])
            try #require(made == 0, "\(line)")
            let fields = try json(line)
            let reference = try AttachmentReference(key: theirs, digest: try Hex.decode(fields["digest"] as! String),
                                                    plaintextDigest: format == .signal ? nil : try Hex.decode(fields["file_sha256"] as! String), size: count)
            try AttachmentCipher.decryptFile(at: folder.file("py-blob"), to: folder.file("cw-out"), expecting: reference)
            #expect([UInt8](try Data(contentsOf: folder.file("cw-out"))) == input)
        }
    }

    @Test("crosswire attachment: encrypt's JSON and key file work in Python; decrypt takes Python's blobs and refuses leaving no file")
    func commandLine() throws {
        let folder = try AttachmentTests.Folder()
        let binary = PeerEnvironment.crosswireBinary.path
        let input = AttachmentTests.plaintext(300_001, seed: 3)
        try Data(input).write(to: folder.file("in"))
        for (format, extra) in [("signal", [String]()), ("whatsapp", ["--media", "image"])] {
            let (status, line) = PeerEnvironment.run(binary, ["attachment", "encrypt", "--format", format] + extra
                + ["--key-out", folder.file("key").path, folder.file("in").path, folder.file("blob").path])
            try #require(status == 0, "\(line)")
            let fields = try json(line)
            let keyHex = try String(contentsOf: folder.file("key"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(fields["size"] as? Int == input.count)
            let digest: String, plainDigest: String
            if format == "signal" {
                digest = fields["digest"] as! String
                plainDigest = "-"
                #expect(fields["padded_size"] as? Int == AttachmentPadding.paddedCount(for: input.count))
            } else {
                digest = fields["file_enc_sha256"] as! String
                plainDigest = fields["file_sha256"] as! String
                #expect(plainDigest == Hex.encode(SHA256Hash.hash(input)))
            }
            #expect(digest == Hex.encode(SHA256Hash.hash([UInt8](try Data(contentsOf: folder.file("blob"))))))
            let pythonFormat = format == "signal" ? "signal" : "whatsapp/image"
            let (opened, why) = try python(["decrypt", pythonFormat, keyHex, digest, plainDigest, String(input.count), folder.file("blob").path, folder.file("py-out").path])
            #expect(opened == 0, "\(why)")
            #expect([UInt8](try Data(contentsOf: folder.file("py-out"))) == input)

            // Python's blob through the CLI, then refusals.
            _ = try python(["encrypt", pythonFormat, keyHex, folder.file("in").path, folder.file("py-blob").path])
            let pyDigest = Hex.encode(SHA256Hash.hash([UInt8](try Data(contentsOf: folder.file("py-blob")))))
            let fileArgument = format == "signal" ? [String]() : ["--file-sha256", plainDigest]
            let decrypt = ["attachment", "decrypt", "--format", format] + extra + ["--key", folder.file("key").path] + fileArgument
            let (ok, _) = PeerEnvironment.run(binary, decrypt + ["--digest", pyDigest, "--size", String(input.count), folder.file("py-blob").path, folder.file("cw-out").path])
            #expect(ok == 0)
            #expect([UInt8](try Data(contentsOf: folder.file("cw-out"))) == input)
            if format == "signal" {
                let (padded, _) = PeerEnvironment.run(binary, decrypt + ["--digest", pyDigest, folder.file("py-blob").path, folder.file("cw-padded").path])
                let kept = [UInt8](try Data(contentsOf: folder.file("cw-padded")))
                #expect(padded == 0 && kept.count == AttachmentPadding.paddedCount(for: input.count) && Array(kept[0..<input.count]) == input)
            }
            var tampered = [UInt8](try Data(contentsOf: folder.file("py-blob")))
            tampered[tampered.count / 3] ^= 0x20
            try Data(tampered).write(to: folder.file("bad-blob"))
            let badDigest = Hex.encode(SHA256Hash.hash(tampered))
            for (arguments, what) in [(["--digest", pyDigest], "a tampered blob"), (["--digest", badDigest], "a tampered blob with its own digest"),
                                      (["--digest", pyDigest, "--size", String(input.count + 100_000)], "a wrong size")] {
                let blob = what == "a wrong size" ? folder.file("py-blob") : folder.file("bad-blob")
                let (refused, _) = PeerEnvironment.run(binary, decrypt + arguments + [blob.path, folder.file("refused").path])
                #expect(refused == 1, "\(format): \(what) exited \(refused)")
                #expect(!FileManager.default.fileExists(atPath: folder.file("refused").path), "\(format): \(what) left an output file")
            }
            if format == "whatsapp" {
                let wrong = ["attachment", "decrypt", "--format", format] + extra + ["--key", folder.file("key").path, "--file-sha256", Hex.encode(SHA256Hash.hash([1]))]
                let (refused, _) = PeerEnvironment.run(binary, wrong + ["--digest", pyDigest, folder.file("py-blob").path, folder.file("refused").path])
                #expect(refused == 1 && !FileManager.default.fileExists(atPath: folder.file("refused").path), "a wrong fileSha256")
            }
        }
    }
}
