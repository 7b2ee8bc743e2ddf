import Foundation
import Testing
import _CrosswireTestSupport

/// Conversations (1:1 and Sender Key groups, legacy layout) between Crosswire (`crosswire interop`) and two
/// independent implementations, both directions, several seeds: Signal's Rust libsignal (PyPI `signal-protocol` 0.2.3) and python-axolotl
/// 0.2.3 (a port of libsignal-protocol-java). `scripts/interop/driver.py` runs the scenarios; the peers'
/// venvs come from `scripts/peers-venv.sh`, which scripts/test.sh runs.
/// Hermetic by default: each test runs only when the peers, `python3` and the `crosswire` binary are
/// present (`PeerEnvironment`); under `CROSSWIRE_REQUIRE_PEERS=1` (scripts/test.sh) it always runs and
/// anything missing fails it.
@Suite("Interop with libsignal and python-axolotl", .serialized)
struct InteropTests {
    static let driver = ["python3", "scripts/interop/driver.py"]
    static let crosswire = ".build/debug/crosswire interop"

    static let peers: [String: String] = [
        "libsignal": ".venv-peers/libsignal/bin/python scripts/interop/libsignal_adapter.py",
        "axolotl": ".venv-peers/axolotl/bin/python scripts/interop/axolotl_adapter.py",
        "crosswire": crosswire,
    ]

    /// Records why a test cannot run (only reachable when the peers are required).
    static func unavailable(peers: [String], binary: Bool = true) -> Bool {
        let missing = PeerEnvironment.missing(peers: peers, binary: binary)
        if !missing.isEmpty { Issue.record("required for this test but missing: \(missing.joined(separator: "; "))") }
        return !missing.isEmpty
    }

    @Test("every scenario passes in both directions for seeds 1, 2, 3, against libsignal and python-axolotl",
          .enabled(if: PeerEnvironment.shouldRun(peers: ["libsignal", "axolotl"], binary: true)),
          arguments: ["libsignal", "axolotl"])
    func scenarios(peer: String) throws {
        if Self.unavailable(peers: [peer]) { return }
        try driveScenarios(against: peer)
    }

    @Test("every scenario passes Crosswire to Crosswire in v3 as well", .enabled(if: PeerEnvironment.shouldRun(peers: [], binary: true)))
    func selfScenarios() throws {
        if Self.unavailable(peers: []) { return }
        try driveScenarios(against: "crosswire")
    }

    @Test("with Crosswire on a database (interop --database), every scenario but a reinstall passes against libsignal",
          .enabled(if: PeerEnvironment.shouldRun(peers: ["libsignal"], binary: true)))
    func databaseScenarios() throws {
        if Self.unavailable(peers: ["libsignal"]) { return }
        let directory = NSTemporaryDirectory() + "crosswire-interop-" + UUID().uuidString
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: directory + ".key")
        }
        // identity_change re-creates a party to give it a new key; on a database create_party reopens it.
        let scenarios = "basic,no_one_time_prekey,out_of_order,lost_messages,simultaneous_initiation,long_chain,payload_sizes,tamper,replay,"
            + "fingerprint,group_basic,group_late_joiner,group_tamper,group_idempotent,group_sizes"
        let (status, output) = PeerEnvironment.run("/usr/bin/env", Self.driver + [
            "--a", Self.crosswire + " --database " + directory, "--b", Self.peers["libsignal"]!, "--seeds", "1,2", "--only", scenarios,
        ])
        let summary = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(status == 0, "driver with a database: \(summary)")
        #expect(summary == "60 passed, 0 failed", "15 scenarios × 2 directions × 2 seeds: \(summary)")
    }

    func driveScenarios(against peer: String) throws {
        let (status, output) = PeerEnvironment.run("/usr/bin/env", Self.driver + ["--a", Self.crosswire, "--b", Self.peers[peer]!, "--seeds", "1,2,3"])
        print(output)
        let summary = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(status == 0, "driver against \(peer): \(summary)")
        #expect(summary.hasSuffix(" 0 failed"), "\(summary)")
        // python-axolotl has no sealed sender, so its run skips the two sealed scenarios.
        let expected = peer == "axolotl" ? "96 passed" : "108 passed"
        #expect(summary.hasPrefix(expected), "18 scenarios (11 one-to-one, 5 group, 2 sealed; axolotl 16) × 2 directions × 3 seeds: \(summary)")
    }

    /// (peer, checker script, vector file, expected summary line)
    static let vectorChecks: [(String, String, String, String)] = [
        ("libsignal", "check_session_vectors.py", "session-v3.json", "4 passed, 0 failed"),
        ("axolotl", "check_session_vectors.py", "session-v3.json", "4 passed, 0 failed"),
        ("libsignal", "check_sender_key_vectors.py", "sender-keys.json", "1 passed, 0 failed"),
        ("axolotl", "check_sender_key_vectors.py", "sender-keys.json", "1 passed, 0 failed"),
    ]

    @Test("libsignal and python-axolotl decrypt the recorded messages of session-v3.json and the legacy sender-keys.json",
          .enabled(if: PeerEnvironment.shouldRun(peers: ["libsignal", "axolotl"])),
          arguments: 0..<4)
    func recordedVectors(check: Int) {
        let (peer, script, file, expected) = Self.vectorChecks[check]
        if Self.unavailable(peers: [peer], binary: false) { return }
        let (status, output) = PeerEnvironment.run(PeerEnvironment.python(peer).path, ["scripts/interop/\(script)", "Vectors/\(file)"])
        print(output)
        #expect(status == 0, "\(output)")
        #expect(output.contains(expected))
    }

    @Test("every scenario also passes Crosswire to Crosswire in v4 (PQXDH: every bundle carries an ML-KEM-1024 prekey)",
          .enabled(if: PeerEnvironment.shouldRun(peers: [], binary: true)))
    func postQuantumScenarios() throws {
        if Self.unavailable(peers: []) { return }
        let (status, output) = PeerEnvironment.run("/usr/bin/env", Self.driver + [
            "--kem", "--a", Self.crosswire, "--b", Self.crosswire, "--seeds", "1,2,3",
        ])
        print(output)
        let summary = output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(status == 0, "\(summary)")
        #expect(summary == "108 passed, 0 failed")
    }
}
