import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation

/// `Vectors/sealed-sender.json` (SPEC §13): libsignal's known test certificate, deterministic sealed
/// sender v1 messages and v2 multi-recipient messages (sent form, and each recipient's received form
/// with its private key), every key and nonce from `SeededEntropy`. No peer here speaks v2: its cases
/// are also opened by Python's `cryptography` in the tests (scripts/checks/sealed_v2.py).
enum SealedSenderVectors {
    static let header = [
        "Identity keys: IdentityKeyPair.generate(SeededEntropy(seed)); trust root and server key: ECKeyPair.generate(SeededEntropy(seed)).",
        "v1: the ephemeral key and XEdDSA nonces are drawn from SeededEntropy(seed) in order; v2: M is the first 32 bytes of SeededEntropy(seed).",
    ]

    struct Scenario {
        let seed: UInt64
        let recipients: Int
        let plaintext: String
    }

    static let v1Scenarios = [Scenario(seed: 31, recipients: 1, plaintext: "sealed v1"), Scenario(seed: 32, recipients: 1, plaintext: "")]
    static let v2Scenarios = [Scenario(seed: 41, recipients: 1, plaintext: "to one"), Scenario(seed: 42, recipients: 3, plaintext: "to three devices"),
                              Scenario(seed: 43, recipients: 16, plaintext: String(repeating: "g", count: 300))]

    static func certificate(seed: UInt64, sender: IdentityKeyPair) -> (SenderCertificate, ECPublicKey) {
        let root = ECKeyPair.generate(using: SeededEntropy(seed: seed &+ 1000)), server = ECKeyPair.generate(using: SeededEntropy(seed: seed &+ 2000))
        let entropy = SeededEntropy(seed: seed &+ 3000)
        let signer = ServerCertificate(keyID: UInt32(seed), key: server.publicKey, trustRoot: root.privateKey, using: entropy)
        return (SenderCertificate(senderUUID: "whatsapp:alice", senderDevice: DeviceID(2), expiration: 4_102_444_800_000,
                                  identityKey: sender.identityKey, signer: signer, serverKey: server.privateKey, using: entropy), root.publicKey)
    }

    static func recipients(_ scenario: Scenario) throws -> [(IdentityKeyPair, SealedSenderV2.Recipient)] {
        try (1...scenario.recipients).map { i throws in
            let pair = IdentityKeyPair.generate(using: SeededEntropy(seed: scenario.seed &* 100 &+ UInt64(i)))
            return (pair, SealedSenderV2.Recipient(device: try DeviceAddress(parsing: "messenger:bob/\(i)"),
                                                   registrationID: RegistrationID(rawValue: UInt32(100 + i))!, identityKey: pair.identityKey))
        }
    }

    static func generate() throws -> [String: Any] {
        var v1: [[String: Any]] = [], v2: [[String: Any]] = []
        for scenario in v1Scenarios {
            let sender = IdentityKeyPair.generate(using: SeededEntropy(seed: scenario.seed))
            let (certificate, root) = certificate(seed: scenario.seed, sender: sender)
            let (recipient, _) = try recipients(scenario)[0]
            let content = UnidentifiedSenderMessageContent(type: .signal, senderCertificate: certificate, content: Array(scenario.plaintext.utf8) + [0x33])
            let sealed = try SealedSenderV1.seal(content, from: sender, to: recipient.identityKey, using: SeededEntropy(seed: scenario.seed &+ 4000))
            v1.append(["comment": "v1, \(scenario.plaintext.utf8.count + 1)-byte inner message", "result": "valid", "seed": Int(scenario.seed),
                       "trustRoot": Hex.encode(root.serialized), "senderCertificate": Hex.encode(certificate.serialized),
                       "recipientPrivate": Hex.encode(recipient.privateKey.rawRepresentation.unprotectedBytes),
                       "content": Hex.encode(content.serialized), "sealed": Hex.encode(sealed)])
        }
        for scenario in v2Scenarios {
            let sender = IdentityKeyPair.generate(using: SeededEntropy(seed: scenario.seed))
            let (certificate, root) = certificate(seed: scenario.seed, sender: sender)
            let all = try recipients(scenario)
            let content = UnidentifiedSenderMessageContent(type: .senderKey, senderCertificate: certificate,
                                                           content: Array(scenario.plaintext.utf8) + [0x33], groupID: Array(repeating: 9, count: 16))
            let sent = try SealedSenderV2.seal(content, from: sender, to: all.map(\.1), using: SeededEntropy(seed: scenario.seed &+ 5000))
            let forms = try SealedSenderV2.receivedForms(of: sent)
            v2.append(["comment": "v2 to \(scenario.recipients) device(s)", "result": "valid", "seed": Int(scenario.seed),
                       "trustRoot": Hex.encode(root.serialized), "senderIdentity": Hex.encode(sender.identityKey.serialized),
                       "content": Hex.encode(content.serialized), "sent": Hex.encode(sent),
                       "recipients": zip(all, forms).map { recipient, form in
                           ["device": recipient.1.device.description, "registrationId": Int(recipient.1.registrationID.rawValue),
                            "private": Hex.encode(recipient.0.privateKey.rawRepresentation.unprotectedBytes),
                            "public": Hex.encode(recipient.0.identityKey.serialized), "received": Hex.encode(form.received)] as [String: Any]
                       }])
        }
        var known = ProtobufWriter()
        known.appendBytes(field: 1, try Hex.decode("100119697a000000000000222105d75b13e15c7700079dd226f51e5a790ba395e819e88a74d0cf5cedfad8b4334840d786df9a07322461616161616161612d373030302d313165622d623332612d333362386138613438376136"))
        known.appendBytes(field: 2, try Hex.decode("e62667bce627caed56ca2ab309b6ae7bc890a30a7482c0e1fd77ec9c3b7528abfd45c8c42b240509a71d973ef5e0f1dbd2685fe01410f0fdbaa8fb247a67e08f"))
        let zeroRoot = try ECPrivateKey(rawRepresentation: [UInt8](repeating: 0, count: 32)).publicKey
        let kat: [[String: Any]] = [
            ["comment": "libsignal test_known_server_cert: signer 0x7357C357 by id, valid at 31336", "result": "valid", "source": "libsignal sealed_sender.rs",
             "senderCertificate": Hex.encode(known.bytes), "trustRoot": Hex.encode(zeroRoot.serialized), "time": 31336,
             "senderUuid": "aaaaaaaa-7000-11eb-b32a-33b8a8a487a6", "senderDevice": 1],
            ["comment": "the same certificate one millisecond after it expires", "result": "invalid", "source": "libsignal sealed_sender.rs",
             "senderCertificate": Hex.encode(known.bytes), "trustRoot": Hex.encode(zeroRoot.serialized), "time": 31338,
             "senderUuid": "aaaaaaaa-7000-11eb-b32a-33b8a8a487a6", "senderDevice": 1],
        ]
        return VectorSuite.file(algorithm: "Sealed sender v1 and v2 (multi-recipient), libsignal's key schedule", header: header,
                                groups: [("SenderCertificateKAT", kat), ("SealedSenderV1", v1), ("SealedSenderV2", v2)])
    }

    static func verify(_ test: VectorFile.Case, type: String) throws -> String? {
        switch type {
        case "SenderCertificateKAT":
            let certificate = try SenderCertificate(serialized: try test.bytes("senderCertificate"))
            if certificate.senderUUID != test.strings["senderUuid"] || Int(certificate.senderDevice.rawValue) != test.integers["senderDevice"] {
                return "sender differs"
            }
            let valid = (try? certificate.validate(trustRoot: try ECPublicKey(serialized: try test.bytes("trustRoot")),
                                                    at: UInt64(test.integers["time"] ?? 0))) != nil
            return valid == (test.expectation == .valid) ? nil : "validation gave \(valid)"
        case "SealedSenderV1":
            let recipient = IdentityKeyPair(keyPair: ECKeyPair(privateKey: try ECPrivateKey(rawRepresentation: try test.bytes("recipientPrivate"))))
            let content = try SealedSenderV1.open(try test.bytes("sealed"), recipient: recipient)
            if content.serialized != (try test.bytes("content")) { return "opens to other content" }
            try content.senderCertificate.validate(trustRoot: try ECPublicKey(serialized: try test.bytes("trustRoot")), at: 0)
            guard let scenario = v1Scenarios.first(where: { Int($0.seed) == test.integers["seed"] }) else { return "no scenario" }
            let sender = IdentityKeyPair.generate(using: SeededEntropy(seed: scenario.seed))
            let again = try SealedSenderV1.seal(content, from: sender, to: recipient.identityKey, using: SeededEntropy(seed: scenario.seed &+ 4000))
            return again == (try test.bytes("sealed")) ? nil : "sealing again gives other bytes"
        case "SealedSenderV2":
            let sent = try test.bytes("sent")
            let forms = try SealedSenderV2.receivedForms(of: sent)
            let recipients = test.lists["recipients"] ?? []
            guard forms.count == recipients.count else { return "\(forms.count) received forms for \(recipients.count) recipients" }
            for (form, recipient) in zip(forms, recipients) {
                if form.device.description != recipient["device"] || String(form.registrationID) != recipient["registrationId"] { return "routing differs" }
                if Hex.encode(form.received) != recipient["received"] { return "the server's split differs" }
                let pair = IdentityKeyPair(keyPair: ECKeyPair(privateKey: try ECPrivateKey(rawRepresentation: try Hex.decode(recipient["private"] ?? ""))))
                if try SealedSenderV2.open(form.received, recipient: pair).serialized != (try test.bytes("content")) { return "a form opens to other content" }
            }
            guard let scenario = v2Scenarios.first(where: { Int($0.seed) == test.integers["seed"] }) else { return "no scenario" }
            let content = try UnidentifiedSenderMessageContent(serialized: try test.bytes("content"))
            let again = try SealedSenderV2.seal(content, from: IdentityKeyPair.generate(using: SeededEntropy(seed: scenario.seed)),
                                                to: try Self.recipients(scenario).map(\.1), using: SeededEntropy(seed: scenario.seed &+ 5000))
            return again == sent ? nil : "sealing again gives other bytes"
        default:
            return "no checker for \(type)"
        }
    }
}
