import Foundation
import Testing
import _CrosswireTestSupport
@_spi(Hazmat) @testable import CrosswireCrypto

/// XEdDSA against two independent implementations: Signal's Rust libsignal (PyPI `signal-protocol`
/// 0.2.3) and libxeddsa (PyPI `xeddsa`). The venvs are made by `scripts/peers-venv.sh` (scripts/test.sh runs
/// it); without them the test is skipped, unless `CROSSWIRE_REQUIRE_PEERS=1` makes their absence a failure.
@Suite("XEdDSA cross-checked with libsignal and libxeddsa", .serialized)
struct XEdDSAPeerTests {
    struct PeerAnswer: Decodable {
        struct Signed: Decodable { let `public`: String?; let signature: String?; let error: String? }
        let impl: String
        let verify: [Bool]
        let sign: [Signed]
    }

    func ask(_ peer: String, _ request: [String: Any]) throws -> PeerAnswer {
        let process = Process()
        process.executableURL = PeerEnvironment.python(peer)
        process.arguments = [PeerEnvironment.root.appendingPathComponent("scripts/xeddsa_peer.py").path, "--impl", peer]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: request))
        try input.fileHandleForWriting.close()
        let data = PeerEnvironment.readToEnd(output.fileHandleForReading)
        process.waitUntilExit()
        return try JSONDecoder().decode(PeerAnswer.self, from: data)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test("Crosswire signatures verify in the peer, and the peer's signatures verify in Crosswire",
          .enabled(if: PeerEnvironment.shouldRun(peers: ["libsignal", "xeddsa"])), arguments: ["libsignal", "xeddsa"])
    func crossVerify(peer: String) throws {
        let missing = PeerEnvironment.missing(peers: [peer])
        guard missing.isEmpty else {
            Issue.record("required for this test but missing: \(missing.joined(separator: "; "))")
            return
        }
        let entropy = SeededEntropy(seed: peer == "libsignal" ? 100 : 200)
        var ours: [[String: Any]] = []
        var signBits = Set<UInt8>()
        for i in 0..<32 {
            let pair = ECKeyPair.generate(using: entropy)
            let message = entropy.bytes([0, 1, 33, 100, 1000][i % 5])
            let signature = pair.privateKey.signature(for: message, using: entropy)
            signBits.insert(signature[63] >> 7)
            ours.append(["public": Self.hex(pair.publicKey.rawRepresentation), "message": Self.hex(message), "signature": Self.hex(signature)])
            var tampered = signature
            tampered[i % 64] ^= 0x10
            ours.append(["public": Self.hex(pair.publicKey.rawRepresentation), "message": Self.hex(message), "signature": Self.hex(tampered)])
        }
        #expect(signBits == [0, 1], "the sample should exercise both sign bits")
        let theirsToSign: [[String: Any]] = (0..<16).map { i in
            ["private": Self.hex(entropy.bytes(32)), "message": Self.hex(entropy.bytes(i * 7))]
        }
        let answer = try ask(peer, ["verify": ours, "sign": theirsToSign])
        #expect(answer.verify.count == ours.count)
        for (index, verdict) in answer.verify.enumerated() {
            #expect(verdict == (index % 2 == 0), "\(answer.impl) verdict \(index)")
        }
        #expect(answer.sign.count == theirsToSign.count)
        for (request, signed) in zip(theirsToSign, answer.sign) {
            let message = hexBytes(request["message"] as! String)
            let key = try ECPrivateKey(rawRepresentation: hexBytes(request["private"] as! String))
            #expect(signed.public.map(hexBytes) == key.publicKey.rawRepresentation, "\(answer.impl) derives the same public key")
            let signature = hexBytes(signed.signature ?? "")
            #expect(key.publicKey.isValidSignature(signature, for: message), "\(answer.impl) signature verifies in Crosswire")
            var tampered = signature
            if !tampered.isEmpty { tampered[5] ^= 1 }
            #expect(!key.publicKey.isValidSignature(tampered, for: message))
        }
    }
}
