import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation

/// `Vectors/envelope.json`: the cross-app formats of SPEC §12 — envelopes, inner content, padding,
/// signed device lists and user-level safety numbers. Deterministic: every key and signature nonce
/// comes from `SeededEntropy`, so regenerating gives identical bytes. Verification decodes and
/// re-encodes each recorded case (it does not regenerate), and checks each invalid case fails with
/// the recorded error code.
enum EnvelopeVectors {
    static let header = [
        "Envelope = 0x01 || protobuf crosswire.crossapp.Envelope (Sources/Crosswire/CrossApp/crossapp.proto); SignedDeviceList likewise; Content is a bare protobuf, padded (SPEC 12.2).",
        "Addresses are given in text form; on the wire they are the binary form of SPEC 12.1.",
        "Device-list keys: the identity key pair of a device is IdentityKeyPair.generate(SeededEntropy(seed)) with seed = 1000 + 100 * account + device id (accounts: 1 whatsapp:alice, 2 messenger:bob, 3 whatsapp:alice re-registered); signature nonces come from SeededEntropy(7), drawn in order.",
        "An invalid case names the error code Crosswire raises (EnvelopeError or DeviceListError).",
    ]

    // MARK: Generation

    static func generate(realCiphertext: [UInt8]) throws -> [String: Any] {
        let groups: [[String: Any]] = [
            ["type": "CrossAppEnvelope", "tests": try envelopeCases(realCiphertext: realCiphertext)],
            ["type": "CrossAppContent", "tests": try contentCases()],
            ["type": "ContentPadding", "tests": paddingCases()],
            ["type": "DeviceList", "tests": try DeviceListVectors.cases()],
            ["type": "UserSafetyNumber", "tests": try DeviceListVectors.safetyNumberCases()],
            ["type": "GroupState", "tests": try groupStateCases()],
        ]
        var numbered: [[String: Any]] = []
        var next = 1
        for var group in groups {
            group["tests"] = (group["tests"] as! [[String: Any]]).map { test in
                var test = test
                test["tcId"] = next
                next += 1
                if test["flags"] == nil { test["flags"] = [String]() }
                return test
            }
            numbered.append(group)
        }
        return [
            "algorithm": "Crosswire cross-app formats: envelope, content, padding, signed device lists, user safety numbers, group states",
            "generatedBy": "crosswire vectors generate", "numberOfTests": next - 1, "header": header, "testGroups": numbered,
        ]
    }

    static func envelopeCases(realCiphertext: [UInt8]) throws -> [[String: Any]] {
        let entropy = SeededEntropy(seed: 21)
        let alice2 = try DeviceAddress(parsing: "whatsapp:alice/2"), bob1 = try DeviceAddress(parsing: "messenger:bob/1")
        let carol = try DeviceAddress(parsing: "instagram:carol.k_9/127")
        var cases: [[String: Any]] = []
        func valid(_ comment: String, _ envelope: Envelope) {
            var fields: [String: Any] = [
                "comment": comment, "result": "valid", "kind": Int(envelope.kind.rawValue), "recipient": envelope.recipient.description,
                "messageId": Hex.encode(envelope.messageID.rawRepresentation), "ciphertext": Hex.encode(envelope.ciphertext),
                "encoded": Hex.encode(envelope.serialized),
            ]
            if let sender = envelope.sender { fields["sender"] = sender.description }
            if let timestamp = envelope.serverTimestamp { fields["serverTimestamp"] = Int(timestamp) }
            cases.append(fields)
        }
        let first = try Envelope(kind: .preKeySignalMessage, recipient: bob1, sender: alice2, messageID: .random(using: entropy),
                                 ciphertext: realCiphertext)
        valid("a PreKeySignalMessage from session-v3.json (libsignal-compatible bytes), before the server stamps it", first)
        valid("the same envelope stamped by the server", first.stamped(at: 1_764_590_400_123))
        valid("a SignalMessage to a third-party app's device 127",
              try Envelope(kind: .signalMessage, recipient: carol, sender: bob1, messageID: .random(using: entropy),
                           serverTimestamp: 1, ciphertext: [0x33] + entropy.bytes(60)))
        valid("a SenderKeyMessage", try Envelope(kind: .senderKeyMessage, recipient: alice2, sender: carol, messageID: .random(using: entropy),
                                                 serverTimestamp: 0, ciphertext: [0x33] + entropy.bytes(90)))
        valid("sealed sender v1: no sender", try Envelope(kind: .sealedSenderV1, recipient: alice2, sender: nil,
                                                          messageID: .random(using: entropy), ciphertext: [0x11] + entropy.bytes(40)))
        valid("sealed sender v2, stamped", try Envelope(kind: .sealedSenderV2, recipient: bob1, sender: nil, messageID: .random(using: entropy),
                                                        serverTimestamp: UInt64(Int64.max), ciphertext: [0x22] + entropy.bytes(40)))

        let base = try Envelope(kind: .signalMessage, recipient: bob1, sender: alice2, messageID: .random(using: entropy),
                                serverTimestamp: 5, ciphertext: [0x33, 1, 2, 3])
        let body = Array(base.serialized.dropFirst())
        func invalid(_ comment: String, _ bytes: [UInt8], _ error: String) {
            cases.append(["comment": comment, "result": "invalid", "encoded": Hex.encode(bytes), "error": error])
        }
        func field(_ number: Int, _ value: [UInt8]) -> [UInt8] {
            var writer = ProtobufWriter()
            writer.appendBytes(field: number, value)
            return writer.bytes
        }
        func uint(_ number: Int, _ value: UInt64) -> [UInt8] {
            var writer = ProtobufWriter()
            writer.appendUInt(field: number, value)
            return writer.bytes
        }
        let kindBytes = uint(1, 1), recipientBytes = field(2, bob1.serialized), senderBytes = field(3, alice2.serialized)
        let idBytes = field(4, base.messageID.rawRepresentation), ctBytes = field(6, [0x33, 1, 2, 3])
        invalid("empty", [], "invalidMessage")
        invalid("version byte 2", [2] + body, "unsupportedVersion")
        invalid("version byte 0", [0] + body, "unsupportedVersion")
        invalid("truncated by one byte", Array(base.serialized.dropLast()), "invalidMessage")
        invalid("kind missing", [1] + recipientBytes + senderBytes + idBytes + ctBytes, "missingField")
        invalid("kind 6 is unknown", [1] + uint(1, 6) + recipientBytes + senderBytes + idBytes + ctBytes, "unknownKind")
        invalid("kind 0 is unknown", [1] + uint(1, 0) + recipientBytes + senderBytes + idBytes + ctBytes, "unknownKind")
        invalid("kind written twice", [1] + kindBytes + kindBytes + recipientBytes + senderBytes + idBytes + ctBytes, "invalidMessage")
        invalid("recipient missing", [1] + kindBytes + senderBytes + idBytes + ctBytes, "missingField")
        invalid("recipient device 0", [1] + kindBytes + field(2, Array(bob1.serialized.dropLast()) + [0]) + senderBytes + idBytes + ctBytes, "invalidField")
        invalid("recipient device 128", [1] + kindBytes + field(2, Array(bob1.serialized.dropLast()) + [128]) + senderBytes + idBytes + ctBytes, "invalidField")
        invalid("recipient address with an upper-case app", [1] + kindBytes + field(2, [1, 1, 0x41, 1, 0x62, 1]) + senderBytes + idBytes + ctBytes, "invalidField")
        invalid("unsealed kind without sender", [1] + kindBytes + recipientBytes + idBytes + ctBytes, "missingField")
        invalid("sealed kind with a sender", [1] + uint(1, 4) + recipientBytes + senderBytes + idBytes + ctBytes, "senderNotAllowed")
        invalid("message id of 15 bytes", [1] + kindBytes + recipientBytes + senderBytes + field(4, Array(repeating: 7, count: 15)) + ctBytes, "invalidField")
        invalid("message id missing", [1] + kindBytes + recipientBytes + senderBytes + ctBytes, "missingField")
        invalid("ciphertext missing", [1] + kindBytes + recipientBytes + senderBytes + idBytes, "missingField")
        invalid("ciphertext empty", [1] + kindBytes + recipientBytes + senderBytes + idBytes + field(6, []), "missingField")
        invalid("server timestamp as bytes", [1] + kindBytes + recipientBytes + senderBytes + idBytes + field(5, [1]) + ctBytes, "invalidMessage")
        invalid("a group (wire type 3)", [1] + kindBytes + [0x3b] + recipientBytes, "invalidMessage")
        return cases
    }

    static func contentCases() throws -> [[String: Any]] {
        let entropy = SeededEntropy(seed: 22)
        let group = GroupID.random(using: entropy)
        let distribution = SenderKeyDistributionMessage(
            layout: .distributionUUID, distributionID: entropy.bytes(16), chainID: 7, iteration: 3,
            chainKey: try SymmetricKey256(rawRepresentation: entropy.bytes(32)),
            signingKey: ECKeyPair.generate(using: entropy).publicKey.serialized)
        var cases: [[String: Any]] = []
        func valid(_ comment: String, _ content: Content) {
            var fields: [String: Any] = [
                "comment": comment, "result": "valid", "type": Int(content.type.rawValue), "senderTimestamp": Int(content.senderTimestamp),
                "body": Hex.encode(content.body), "encoded": Hex.encode(content.serialized), "padded": Hex.encode(content.padded),
            ]
            if let id = content.groupID { fields["groupId"] = Hex.encode(id.rawRepresentation) }
            if let skdm = content.senderKeyDistribution { fields["senderKeyDistribution"] = Hex.encode(skdm.serialized) }
            if let destination = content.syncDestination { fields["syncDestination"] = destination.description }
            if let key = content.profileKey { fields["profileKey"] = Hex.encode(key.rawRepresentation.unprotectedBytes) }
            cases.append(fields)
        }
        valid("a text message", try .text("hi Bob, from WhatsApp", at: 1_764_590_400_000))
        valid("an empty text (no body field)", try .text("", at: 0))
        valid("a group text with the sender's key", try Content(type: .text, senderTimestamp: 1_764_590_400_001, groupID: group,
                                                             senderKeyDistribution: distribution, body: Array("hello, group".utf8)))
        valid("a copy to the sender's own devices of a message to messenger:bob",
              try Content(type: .text, senderTimestamp: 42, syncDestination: try UserAddress(parsing: "messenger:bob"), body: Array("synced".utf8)))
        valid("a type this build does not name (forward compatible)", try Content(type: ContentType(rawValue: 999)!, senderTimestamp: 9, body: [1, 2, 3]))
        valid("a 200-byte body: two padding buckets", try Content(type: .attachment, senderTimestamp: 10, body: entropy.bytes(200)))
        valid("a text carrying the sender's profile key", try Content.text("with my profile key", at: 11)
            .carrying(profileKey: try SymmetricKey256(rawRepresentation: [UInt8](repeating: 0x5A, count: 32))))

        func invalid(_ comment: String, encoded: [UInt8]? = nil, padded: [UInt8]? = nil, _ error: String) {
            var fields: [String: Any] = ["comment": comment, "result": "invalid", "error": error]
            if let encoded { fields["encoded"] = Hex.encode(encoded) }
            if let padded { fields["padded"] = Hex.encode(padded) }
            cases.append(fields)
        }
        var w = ProtobufWriter()
        w.appendUInt(field: 2, 5)
        invalid("no type", encoded: w.bytes, "missingField")
        w = ProtobufWriter(); w.appendUInt(field: 1, 0); w.appendUInt(field: 2, 5)
        invalid("type 0", encoded: w.bytes, "invalidField")
        w = ProtobufWriter(); w.appendUInt(field: 1, 1)
        invalid("no sender timestamp", encoded: w.bytes, "missingField")
        w = ProtobufWriter(); w.appendUInt(field: 1, 1); w.appendUInt(field: 2, 5); w.appendBytes(field: 3, Array(repeating: 1, count: 31))
        invalid("a group id of 31 bytes", encoded: w.bytes, "invalidField")
        w = ProtobufWriter(); w.appendUInt(field: 1, 1); w.appendUInt(field: 2, 5); w.appendBytes(field: 4, distribution.serialized)
        invalid("a sender-key distribution without group id", encoded: w.bytes, "missingField")
        w = ProtobufWriter(); w.appendUInt(field: 1, 1); w.appendUInt(field: 2, 5); w.appendBytes(field: 3, group.rawRepresentation)
        w.appendBytes(field: 4, Array(distribution.serialized.dropLast()))
        invalid("a truncated sender-key distribution", encoded: w.bytes, "invalidField")
        w = ProtobufWriter(); w.appendUInt(field: 1, 1); w.appendUInt(field: 2, 5); w.appendBytes(field: 5, Array("messenger:bob".utf8))
        invalid("a sync destination in text form", encoded: w.bytes, "invalidField")
        w = ProtobufWriter(); w.appendUInt(field: 1, 1); w.appendUInt(field: 2, 5); w.appendBytes(field: 6, [])
        invalid("an empty body field", encoded: w.bytes, "invalidField")
        w = ProtobufWriter(); w.appendUInt(field: 1, 1); w.appendUInt(field: 1, 1); w.appendUInt(field: 2, 5)
        invalid("type written twice", encoded: w.bytes, "invalidMessage")
        w = ProtobufWriter(); w.appendUInt(field: 1, 1); w.appendUInt(field: 2, 5); w.appendBytes(field: 7, Array(repeating: 1, count: 31))
        invalid("a profile key of 31 bytes", encoded: w.bytes, "invalidField")
        let good = try Content.text("x", at: 1).padded
        invalid("padding: terminator replaced by 0x00", padded: good.map { $0 == 0x80 ? 0 : $0 }, "invalidPadding")
        invalid("padding: one byte short of the bucket", padded: Array(good.dropLast()), "invalidPadding")
        return cases
    }

    /// Signed group states (SPEC §12.7): Carol (instagram) admin of a group with Alice and Bob; each case
    /// names the signer's identity key and, for an update, the accepted state it must replace.
    static func groupStateCases() throws -> [[String: Any]] {
        let entropy = SeededEntropy(seed: 23)
        let carol = try DeviceAddress(parsing: "instagram:carol/1"), bob = try DeviceAddress(parsing: "messenger:bob/1")
        let carolKey = IdentityKeyPair.generate(using: SeededEntropy(seed: 2301)), bobKey = IdentityKeyPair.generate(using: SeededEntropy(seed: 2302))
        let users = try ["instagram:carol", "messenger:bob", "whatsapp:alice"].map { text throws in try UserAddress(parsing: text) }
        let id = GroupID.random(using: entropy)
        let v1 = try GroupState(groupID: id, version: 1, name: "three apps", admins: [users[0]], members: users)
        let v2 = try v1.next(members: [users[0], users[2]])
        let s1 = SignedGroupState(signing: v1, as: carol, identity: carolKey, using: entropy)
        let s2 = SignedGroupState(signing: v2, as: carol, identity: carolKey, using: entropy)
        var cases: [[String: Any]] = []
        func add(_ comment: String, _ signed: SignedGroupState, key: IdentityKeyPair, previous: SignedGroupState?, _ outcome: String) {
            var fields: [String: Any] = ["comment": comment, "signed": Hex.encode(signed.serialized), "signerIdentity": Hex.encode(key.identityKey.serialized)]
            if let previous { fields["previous"] = Hex.encode(previous.serialized) }
            if outcome == "changed" || outcome == "unchanged" {
                fields["result"] = "valid"
                fields["changed"] = outcome == "changed" ? 1 : 0
                fields["version"] = Int(signed.state.version)
                fields["name"] = signed.state.name
                fields["members"] = signed.state.members.map(\.description)
                fields["admins"] = signed.state.admins.map(\.description)
            } else {
                fields["result"] = "invalid"
                fields["error"] = outcome
            }
            cases.append(fields)
        }
        add("a new group, signed by its admin", s1, key: carolKey, previous: nil, "changed")
        add("version 2 removes Bob", s2, key: carolKey, previous: s1, "changed")
        add("the accepted state again: no change", s1, key: carolKey, previous: s1, "unchanged")
        add("signed by a member who is not an admin", SignedGroupState(signing: v2, as: bob, identity: bobKey, using: entropy), key: bobKey,
            previous: s1, "notAdmin")
        add("version 1 after version 2", s1, key: carolKey, previous: s2, "staleVersion")
        add("another state under the accepted version",
            SignedGroupState(signing: try GroupState(groupID: id, version: 2, name: "renamed", admins: [users[0]], members: users), as: carol,
                             identity: carolKey, using: entropy), key: carolKey, previous: s2, "conflictingVersion")
        add("the signature checked under another key", s2, key: bobKey, previous: s1, "invalidSignature")
        add("a state of another group", SignedGroupState(signing: try GroupState(groupID: .random(using: entropy), version: 3, name: "x",
                                                                                 admins: [users[0]], members: users), as: carol, identity: carolKey,
                                                         using: entropy), key: carolKey, previous: s2, "wrongGroup")
        var noAdmin = ProtobufWriter()
        noAdmin.appendBytes(field: 1, id.rawRepresentation)
        noAdmin.appendUInt(field: 2, 1)
        noAdmin.appendBytes(field: 5, users[1].serialized)
        var raw = ProtobufWriter()
        raw.appendBytes(field: 1, noAdmin.bytes)
        raw.appendBytes(field: 2, carol.serialized)
        raw.appendBytes(field: 3, carolKey.signature(for: SignedGroupState.label + noAdmin.bytes, using: entropy))
        cases.append(["comment": "a state without admins", "result": "invalid", "signed": Hex.encode(raw.bytes),
                      "signerIdentity": Hex.encode(carolKey.identityKey.serialized), "error": "invalidState"])
        return cases
    }

    static func verifyGroupState(_ test: VectorFile.Case) throws -> String? {
        let signedBytes = try test.bytes("signed"), key = try IdentityKey(serialized: try test.bytes("signerIdentity"))
        let previous = try test.strings["previous"].map { hex throws in try SignedGroupState(serialized: try Hex.decode(hex)).state }
        guard test.expectation == .valid else {
            let expected = test.strings["error"] ?? "?"
            do {
                _ = try SignedGroupState(serialized: signedBytes).verify(signerIdentity: key, replacing: previous)
                return "accepted an invalid case (expected \(expected))"
            } catch {
                return error.codeName == expected ? nil : "failed with \(error.codeName), expected \(expected)"
            }
        }
        let signed = try SignedGroupState(serialized: signedBytes)
        let changed = try signed.verify(signerIdentity: key, replacing: previous)
        if (changed ? 1 : 0) != test.integers["changed"] { return "changed differs" }
        if signed.serialized != signedBytes { return "does not re-encode to its bytes" }
        if Int(signed.state.version) != test.integers["version"] || signed.state.name != test.strings["name"] { return "version or name differs" }
        return nil
    }

    static func paddingCases() -> [[String: Any]] {
        var cases: [[String: Any]] = []
        for count in [0, 1, 157, 158, 159, 160, 318, 319, 1000] {
            let content = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            cases.append(["comment": "\(count) content bytes", "result": "valid", "content": Hex.encode(content),
                          "padded": Hex.encode(ContentPadding.pad(content))])
        }
        let padded = ContentPadding.pad([1, 2, 3])
        for (comment, bytes) in [
            ("empty", [UInt8]()), ("all zeros", [UInt8](repeating: 0, count: 159)),
            ("terminator 0x81", padded.map { $0 == 0x80 ? 0x81 : $0 }),
            ("a non-zero byte after the terminator", { var p = padded; p[p.count - 1] = 1; return p }()),
            ("one zero byte too many", padded + [0]), ("one zero byte too few", Array(padded.dropLast())),
            ("content ending in 0x80 without a terminator after it, not a bucket length", [1, 0x80]),
        ] {
            cases.append(["comment": comment, "result": "invalid", "padded": Hex.encode(bytes), "error": "invalidPadding"])
        }
        return cases
    }

    // MARK: Verification

    static func verify(_ test: VectorFile.Case, type: String) throws -> String? {
        switch type {
        case "CrossAppEnvelope": return try verifyEnvelope(test)
        case "CrossAppContent": return try verifyContent(test)
        case "ContentPadding": return try verifyPadding(test)
        case "DeviceList": return try DeviceListVectors.verify(test)
        case "UserSafetyNumber": return try DeviceListVectors.verifySafetyNumber(test)
        case "GroupState": return try verifyGroupState(test)
        default: return "no checker for \(type)"
        }
    }

    /// `nil` when `body` throws an error whose code is `expected`, else what happened.
    static func expectFailure(_ test: VectorFile.Case, _ body: () throws -> Void) -> String? {
        let expected = test.strings["error"] ?? "?"
        do {
            try body()
            return "accepted an invalid case (expected \(expected))"
        } catch let error as EnvelopeError {
            return error.codeName == expected ? nil : "failed with \(error.codeName), expected \(expected)"
        } catch let error as DeviceListError {
            return error.codeName == expected ? nil : "failed with \(error.codeName), expected \(expected)"
        } catch {
            return "failed with an untyped error \(error)"
        }
    }

    static func verifyEnvelope(_ test: VectorFile.Case) throws -> String? {
        let encoded = try test.bytes("encoded")
        guard test.expectation == .valid else { return expectFailure(test) { _ = try Envelope(serialized: encoded) } }
        let decoded = try Envelope(serialized: encoded)
        guard let kind = CiphertextKind(rawValue: UInt32(test.integers["kind"] ?? 0)) else { return "unknown kind in the file" }
        let expected = try Envelope(kind: kind, recipient: try DeviceAddress(parsing: test.strings["recipient"] ?? ""),
                                    sender: try test.strings["sender"].map { text throws in try DeviceAddress(parsing: text) },
                                    messageID: try MessageID(rawRepresentation: try test.bytes("messageId")),
                                    serverTimestamp: test.integers["serverTimestamp"].map(UInt64.init),
                                    ciphertext: try test.bytes("ciphertext"))
        if decoded != expected { return "decodes to other fields" }
        if expected.serialized != encoded { return "encodes to other bytes" }
        return nil
    }

    static func verifyContent(_ test: VectorFile.Case) throws -> String? {
        guard test.expectation == .valid else {
            if test.strings["padded"] != nil {
                let padded = try test.bytes("padded")
                return expectFailure(test) { _ = try Content(padded: padded) }
            }
            let encoded = try test.bytes("encoded")
            return expectFailure(test) { _ = try Content(serialized: encoded) }
        }
        let encoded = try test.bytes("encoded"), padded = try test.bytes("padded")
        let distribution = try test.strings["senderKeyDistribution"].map { hex throws in
            try SenderKeyDistributionMessage(serialized: try Hex.decode(hex), layout: .distributionUUID)
        }
        let expected = try Content(
            type: ContentType(rawValue: UInt32(test.integers["type"] ?? 0))!, senderTimestamp: UInt64(test.integers["senderTimestamp"] ?? -1),
            groupID: try test.strings["groupId"].map { hex throws in try GroupID(rawRepresentation: try Hex.decode(hex)) },
            senderKeyDistribution: distribution,
            syncDestination: try test.strings["syncDestination"].map { text throws in try UserAddress(parsing: text) },
            body: try test.bytes("body"),
            profileKey: try test.strings["profileKey"].map { hex throws in try SymmetricKey256(rawRepresentation: try Hex.decode(hex)) })
        if try Content(serialized: encoded) != expected { return "decodes to other fields" }
        if try Content(padded: padded) != expected { return "the padded form decodes to other fields" }
        if expected.serialized != encoded { return "encodes to other bytes" }
        if expected.padded != padded { return "pads to other bytes" }
        return nil
    }

    static func verifyPadding(_ test: VectorFile.Case) throws -> String? {
        let padded = try test.bytes("padded")
        guard test.expectation == .valid else { return expectFailure(test) { _ = try ContentPadding.unpad(padded) } }
        let content = try test.bytes("content")
        if ContentPadding.pad(content) != padded { return "pads to other bytes" }
        if try ContentPadding.unpad(padded) != content { return "unpads to other bytes" }
        return nil
    }
}
