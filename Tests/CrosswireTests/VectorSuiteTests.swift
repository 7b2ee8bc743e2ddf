import Foundation
import Testing
@testable import Crosswire

@Suite("Vector files")
struct VectorSuiteTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Vectors")

    static let files: [String] = (try? VectorSuite.files(in: directory).map(\.lastPathComponent)) ?? []

    @Test("the suite holds Crosswire's known answers and every Wycheproof file it uses")
    func inventory() {
        for name in ["known-answers.json", "x25519_test.json", "ed25519_test.json", "hkdf_sha256_test.json",
                     "hmac_sha256_test.json", "aes_cbc_pkcs5_test.json", "mlkem_1024_test.json", "mlkem_1024_encaps_test.json"] {
            #expect(Self.files.contains(name), "\(name) missing from Vectors/")
        }
    }

    @Test("every case of every vector file passes", arguments: files)
    func verify(file: String) throws {
        let url = try VectorSuite.files(in: Self.directory).first { $0.lastPathComponent == file }!
        let vectors = try VectorFile(contentsOf: url)
        let report = VectorRunner.run(vectors)
        print(report)
        #expect(report.failures.isEmpty, "\(report)")
        #expect(report.total == vectors.cases.count)
        if let declared = vectors.declaredCount {
            #expect(report.total == declared, "\(file) declares \(declared) tests")
        }
    }

    @Test("Wycheproof's zero-shared-secret X25519 cases are the ones rejected")
    func x25519Decisions() throws {
        let report = VectorRunner.run(try VectorFile(contentsOf: Self.directory.appendingPathComponent("wycheproof/x25519_test.json")))
        #expect(report.acceptableRejected == 31)
        #expect(report.acceptableAccepted == 223)
    }
}
