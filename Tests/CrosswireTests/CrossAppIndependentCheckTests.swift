import Foundation
import Testing
import _CrosswireTestSupport

/// `Vectors/envelope.json` checked by an implementation that is not Crosswire: Python's protobuf decodes
/// every envelope, content and device list from the checked-in crossapp.proto, and Python recomputes
/// addresses, padding, XEdDSA signatures (through cryptography's Ed25519) and user safety numbers
/// (scripts/checks/crossapp_vectors.py, in the `protobuf` peer venv made by scripts/peers-venv.sh).
@Suite("Cross-app vectors, checked with Python's protobuf", .enabled(if: PeerEnvironment.shouldRun(peers: ["protobuf"])))
struct CrossAppIndependentCheckTests {
    struct Report: Decodable {
        let checked: [String: Int]
        let failures: [String]
    }

    func check(_ file: URL?) throws -> (Int32, Report) {
        let missing = PeerEnvironment.missing(peers: ["protobuf"])
        try #require(missing.isEmpty, "cannot run the independent check: missing \(missing)")
        let (status, output) = PeerEnvironment.run(PeerEnvironment.python("protobuf").path,
                                                   ["scripts/checks/crossapp_vectors.py"] + (file.map { [$0.path] } ?? []))
        let report = try JSONDecoder().decode(Report.self, from: Data(output.utf8))
        return (status, report)
    }

    @Test("every case decodes and re-encodes identically, and every signature and digit agrees")
    func vectorsAgree() throws {
        let (status, report) = try check(nil)
        #expect(status == 0 && report.failures.isEmpty, "\(report.failures)")
        #expect(report.checked["CrossAppEnvelope", default: 0] >= 20 && report.checked["DeviceList", default: 0] >= 25)
        #expect(report.checked["CrossAppContent", default: 0] > 0 && report.checked["ContentPadding", default: 0] > 0
            && report.checked["UserSafetyNumber", default: 0] > 0)
    }

    @Test("the check notices a changed vector")
    func noticesTampering() throws {
        let url = PeerEnvironment.root.appendingPathComponent("Vectors/envelope.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var groups = try #require(json["testGroups"] as? [[String: Any]])
        var tests = try #require(groups[0]["tests"] as? [[String: Any]])
        tests[0]["recipient"] = "messenger:bob/2"
        groups[0]["tests"] = tests
        json["testGroups"] = groups
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("envelope-tampered-\(getpid()).json")
        try JSONSerialization.data(withJSONObject: json).write(to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let (status, report) = try check(copy)
        #expect(status == 1 && report.failures.count == 1 && report.failures[0].contains("recipient"))
    }
}
