import Foundation
import Testing
@testable import CrosswireVectors

@Suite("Vector files")
struct VectorSuiteTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors")

    static let files: [String] = (try? VectorSuite.files(in: directory).map(\.lastPathComponent)) ?? []

    @Test("the suite holds Crosswire's known answers and every Wycheproof file it uses")
    func inventory() {
        for name in ["known-answers.json", "attachments.json", "session-v3.json", "sender-keys.json", "pqxdh-v4.json", "small-order-base-keys.json", "x25519_test.json", "ed25519_test.json", "hkdf_sha256_test.json",
                     "hmac_sha256_test.json", "aes_cbc_pkcs5_test.json", "mlkem_1024_test.json", "mlkem_1024_encaps_test.json"] {
            #expect(Self.files.contains(name), "\(name) missing from Vectors/")
        }
    }

    @Test("every case of every vector file passes", arguments: files)
    func verify(file: String) async throws {
        let url = try VectorSuite.files(in: Self.directory).first { $0.lastPathComponent == file }!
        let vectors = try VectorFile(contentsOf: url)
        let report = await VectorRunner.run(vectors)
        print(report)
        #expect(report.failures.isEmpty, "\(report)")
        #expect(report.total == vectors.cases.count)
        if let declared = vectors.declaredCount {
            #expect(report.total == declared, "\(file) declares \(declared) tests")
        }
    }

    @Test("Wycheproof's zero-shared-secret X25519 cases are the ones rejected")
    func x25519Decisions() async throws {
        let report = await VectorRunner.run(try VectorFile(contentsOf: Self.directory.appendingPathComponent("wycheproof/x25519_test.json")))
        #expect(report.acceptableRejected == 31)
        #expect(report.acceptableAccepted == 223)
    }
}

@Suite("Session vectors")
struct SessionVectorTests {
    @Test("regenerating every vector file gives the committed bytes (pqxdh-v4.json with its recorded encapsulations)")
    func regenerates() async throws {
        let session = try Data(contentsOf: VectorSuiteTests.directory.appendingPathComponent("session-v3.json"))
        #expect(try VectorSuite.encode(try await SessionVectors.generate()) == session)
        let senderKeys = try Data(contentsOf: VectorSuiteTests.directory.appendingPathComponent("sender-keys.json"))
        #expect(try VectorSuite.encode(try await SenderKeyVectors.generate()) == senderKeys)
        let attachments = try Data(contentsOf: VectorSuiteTests.directory.appendingPathComponent("attachments.json"))
        #expect(try VectorSuite.encode(try AttachmentVectors.generate()) == attachments)
        let pqURL = VectorSuiteTests.directory.appendingPathComponent("pqxdh-v4.json")
        let pq = try Data(contentsOf: pqURL)
        #expect(try VectorSuite.encode(try await SessionVectors.generate(postQuantum: true, keeping: try VectorFile(contentsOf: pqURL))) == pq)
    }

    @Test("a changed KEM shared secret in pqxdh-v4.json is caught by verification")
    func detectsKEMTampering() async throws {
        let url = VectorSuiteTests.directory.appendingPathComponent("pqxdh-v4.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        let range = try #require(text.range(of: "\"kemSharedSecret\" : \""))
        let digit = text.index(range.upperBound, offsetBy: 0)
        text.replaceSubrange(digit...digit, with: text[digit] == "0" ? "1" : "0")
        let report = await VectorRunner.run(try VectorFile(name: "tampered", json: Data(text.utf8)))
        #expect(report.failures.count == 1)
    }

    @Test("a changed byte in a recorded group message is caught by verification")
    func detectsGroupTampering() async throws {
        let url = VectorSuiteTests.directory.appendingPathComponent("sender-keys.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        let range = try #require(text.range(of: "\"message\" : \"3308"))
        text.replaceSubrange(range, with: "\"message\" : \"3309")
        let report = await VectorRunner.run(try VectorFile(name: "tampered", json: Data(text.utf8)))
        #expect(report.failures.count == 1)
    }

    @Test("a changed byte in a recorded message is caught by verification")
    func detectsTampering() async throws {
        let url = VectorSuiteTests.directory.appendingPathComponent("session-v3.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        let marker = "\"ciphertext\" : \"33"
        let range = try #require(text.range(of: marker))
        text.replaceSubrange(range, with: "\"ciphertext\" : \"34")
        let report = await VectorRunner.run(try VectorFile(name: "tampered", json: Data(text.utf8)))
        #expect(report.failures.count == 1)
    }
}
