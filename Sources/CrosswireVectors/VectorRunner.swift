import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation

/// Runs every case of a vector file against Crosswire and decides each one by an explicit rule.
/// Decisions for Wycheproof's `acceptable` cases (also in SPEC.md §2.4):
/// - X25519 `ZeroSharedSecret`: **rejected** (`nonContributoryKey`), as libsignal ≥ 0.87.2 does.
/// - X25519 other acceptable cases (twist points, non-canonical u, edge-case scalars): **accepted**, the
///   result must equal Wycheproof's (RFC 7748 says to mask bit 255 and reduce u).
/// - AES-CBC with 128/192-bit keys: refused by design (`invalidLength`): Crosswire is AES-256 only.
/// - ML-KEM encapsulation: swift-crypto does not take the randomness `m`, so valid cases check that the
///   key is accepted and that a fresh encapsulation decapsulates consistently is covered by the
///   decapsulation file; invalid keys must be refused.
public enum VectorRunner {
    public static func run(_ file: VectorFile) async -> VectorReport {
        var report = VectorReport(file: file.name, algorithm: file.algorithm)
        for group in file.groups {
            for test in group.cases {
                report.counts[test.expectation, default: 0] += 1
                do {
                    let verdict: Verdict
                    switch group.type {
                    case "SessionV3", "SessionV4": verdict = try await session(test)
                    case "SenderKeys": verdict = try await senderKeys(test)
                    case "CrossAppEnvelope", "CrossAppContent", "ContentPadding", "DeviceList", "UserSafetyNumber", "GroupState":
                        verdict = try EnvelopeVectors.verify(test, type: group.type).map(Verdict.fail) ?? .pass
                    case "SenderCertificateKAT", "SealedSenderV1", "SealedSenderV2":
                        verdict = try SealedSenderVectors.verify(test, type: group.type).map(Verdict.fail) ?? .pass
                    case "SignalAttachmentPadding", "SignalAttachment", "WhatsAppMedia", "AttachmentPointer":
                        verdict = try AttachmentVectors.verify(test, type: group.type).map(Verdict.fail) ?? .pass
                    default: verdict = try check(test, in: group)
                    }
                    switch verdict {
                    case .pass:
                        report.passed += 1
                    case .acceptedAcceptable:
                        report.passed += 1
                        report.acceptableAccepted += 1
                    case .rejectedAcceptable:
                        report.passed += 1
                        report.acceptableRejected += 1
                    case .fail(let why):
                        report.failures.append("tcId \(test.id) (\(test.comment)): \(why)")
                    }
                } catch {
                    report.failures.append("tcId \(test.id): vector file error \(error)")
                }
            }
        }
        return report
    }

    enum Verdict: Equatable {
        case pass, acceptedAcceptable, rejectedAcceptable
        case fail(String)
    }

    static func check(_ test: VectorFile.Case, in group: VectorFile.Group) throws -> Verdict {
        switch group.type {
        case "XdhComp", "X25519Agreement": return try x25519(test)
        case "X25519Iterated": return try x25519Iterated(test)
        case "X25519BaseKey": return try x25519BaseKey(test)
        case "EddsaVerify": return try ed25519(test, publicKey: Hex.decode(group.strings["publicKey.pk"] ?? ""))
        case "XEdDSAVerify": return try xeddsaVerify(test)
        case "XEdDSASign": return try xeddsaSign(test)
        case "HkdfTest", "HKDF": return try hkdf(test)
        case "MacTest", "HMAC": return try hmac(test)
        case "IndCpaTest", "AES256CBC": return try aesCBC(test, keyBits: group.integers["keySize"] ?? 256)
        case "MLKEMTest": return try mlkemDecaps(test)
        case "MLKEMEncapsTest": return try mlkemEncaps(test)
        case "SignalMessageKeys": return try signalMessageKeys(test)
        default: return .fail("no checker for group type \(group.type)")
        }
    }

    /// Valid and invalid cases must match exactly; acceptable ones follow the rules above.
    static func expect(_ test: VectorFile.Case, succeeded: Bool, matches: Bool, acceptableShouldPass: Bool = true) -> Verdict {
        switch test.expectation {
        case .valid:
            return succeeded && matches ? .pass : .fail(succeeded ? "wrong output" : "rejected a valid case")
        case .invalid:
            return succeeded && matches ? .fail("accepted an invalid case") : .pass
        case .acceptable:
            if acceptableShouldPass {
                return succeeded && matches ? .acceptedAcceptable : .fail("acceptable case should be accepted with the expected output")
            }
            return succeeded ? .fail("acceptable case should be rejected") : .rejectedAcceptable
        }
    }

    private static func session(_ test: VectorFile.Case) async throws -> Verdict {
        if let difference = try await SessionVectors.verify(test) { return .fail(difference) }
        return .pass
    }

    private static func senderKeys(_ test: VectorFile.Case) async throws -> Verdict {
        if let difference = try await SenderKeyVectors.verify(test) { return .fail(difference) }
        return .pass
    }
}
