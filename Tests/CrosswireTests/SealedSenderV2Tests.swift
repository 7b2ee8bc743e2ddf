@_spi(Hazmat) import CrosswireCrypto
import Foundation
import Testing
import _CrosswireTestSupport
@testable import Crosswire

@Suite("Sealed sender v2 (multi-recipient)")
struct SealedSenderV2Tests {
    struct Setup {
        let sender = IdentityKeyPair.generate(using: SeededEntropy(seed: 500))
        let recipients: [(IdentityKeyPair, SealedSenderV2.Recipient)]
        let content: UnidentifiedSenderMessageContent

        init(count: Int) throws {
            recipients = try (1...count).map { i throws in
                let pair = IdentityKeyPair.generate(using: SeededEntropy(seed: 500 + UInt64(i)))
                return (pair, SealedSenderV2.Recipient(device: try DeviceAddress(parsing: "messenger:user\(i)/\(i % 127 + 1)"),
                                                       registrationID: RegistrationID(rawValue: UInt32(i))!, identityKey: pair.identityKey))
            }
            let root = ECKeyPair.generate(), server = ECKeyPair.generate()
            let certificate = SenderCertificate(senderUUID: "whatsapp:alice", senderDevice: DeviceID(1), expiration: 1 << 50,
                                                identityKey: sender.identityKey,
                                                signer: ServerCertificate(keyID: 1, key: server.publicKey, trustRoot: root.privateKey),
                                                serverKey: server.privateKey)
            content = UnidentifiedSenderMessageContent(type: .senderKey, senderCertificate: certificate, content: Array(repeating: 0x33, count: 90),
                                                       groupID: Array(repeating: 7, count: 16))
        }
    }

    @Test("one encryption serves every recipient; the server's split gives each its received form")
    func roundTrip() throws {
        let setup = try Setup(count: 5)
        let sent = try SealedSenderV2.seal(setup.content, from: setup.sender, to: setup.recipients.map(\.1))
        let forms = try SealedSenderV2.receivedForms(of: sent)
        #expect(forms.map(\.device) == setup.recipients.map(\.1.device))
        #expect(forms.map(\.registrationID) == setup.recipients.map { UInt16($0.1.registrationID.rawValue) })
        for ((pair, _), form) in zip(setup.recipients, forms) {
            #expect(form.received.first == 0x22)
            #expect(try SealedSenderV2.open(form.received, recipient: pair) == setup.content)
        }
        // Another recipient's form does not open, nor any tampered byte.
        #expect(throws: SealedSenderError.self) { try SealedSenderV2.open(forms[0].received, recipient: setup.recipients[1].0) }
        for index in [1, 20, 33, 40, 49, 60, 81, forms[0].received.count - 1] {
            var bytes = forms[0].received
            bytes[index] ^= 1
            #expect(throws: SealedSenderError.self) { try SealedSenderV2.open(bytes, recipient: setup.recipients[0].0) }
        }
        #expect(throws: SealedSenderError(.unsupportedVersion, "")) { try SealedSenderV2.receivedForms(of: [0x22] + sent.dropFirst()) }
        #expect(throws: SealedSenderError(.invalidMessage, "")) { try SealedSenderV2.receivedForms(of: Array(sent.prefix(40))) }
    }

    @Test("a content whose certificate names another identity than the sealer's fails the authentication tag")
    func forgedSender() throws {
        let setup = try Setup(count: 1)
        let mallory = IdentityKeyPair.generate()
        let sent = try SealedSenderV2.seal(setup.content, from: mallory, to: [setup.recipients[0].1])
        let form = try SealedSenderV2.receivedForms(of: sent)[0]
        #expect(throws: SealedSenderError(.identityMismatch, "")) { try SealedSenderV2.open(form.received, recipient: setup.recipients[0].0) }
    }

    @Test("Python's cryptography opens the received forms from libsignal's key schedule",
          .enabled(if: PeerEnvironment.shouldRun(peers: ["protobuf"])))
    func independentCheck() throws {
        let missing = PeerEnvironment.missing(peers: ["protobuf"])
        try #require(missing.isEmpty, "cannot run the independent check: missing \(missing)")
        let setup = try Setup(count: 4)
        let forms = try SealedSenderV2.receivedForms(of: try SealedSenderV2.seal(setup.content, from: setup.sender, to: setup.recipients.map(\.1)))
        var cases: [[String: String]] = zip(setup.recipients, forms).map { recipient, form in
            ["received": Hex.encode(form.received), "recipient_private": Hex.encode(recipient.0.privateKey.rawRepresentation.unprotectedBytes),
             "recipient_public": Hex.encode(recipient.0.identityKey.serialized), "sender_public": Hex.encode(setup.sender.identityKey.serialized),
             "content": Hex.encode(setup.content.serialized)]
        }
        // And every received form of Vectors/sealed-sender.json.
        let file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: PeerEnvironment.root.appendingPathComponent("Vectors/sealed-sender.json"))) as? [String: Any])
        for group in (file["testGroups"] as? [[String: Any]] ?? []) where group["type"] as? String == "SealedSenderV2" {
            for test in group["tests"] as? [[String: Any]] ?? [] {
                for recipient in test["recipients"] as? [[String: Any]] ?? [] {
                    cases.append(["received": recipient["received"] as! String, "recipient_private": recipient["private"] as! String,
                                  "recipient_public": recipient["public"] as! String, "sender_public": test["senderIdentity"] as! String,
                                  "content": test["content"] as! String])
                }
            }
        }
        #expect(cases.count == 4 + 20)
        var tampered = cases[0]
        tampered["received"] = Hex.encode(forms[1].received)
        cases.append(tampered)
        let input = try JSONSerialization.data(withJSONObject: ["cases": cases])
        let (status, output) = PeerEnvironment.run(PeerEnvironment.python("protobuf").path, ["scripts/checks/sealed_v2.py"], input: input)
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(answer["opened"] as? Int == 24, "\(output)")
        #expect((answer["failures"] as? [String])?.count == 1 && status == 1, "the check must notice another recipient's form: \(output)")
    }
}
