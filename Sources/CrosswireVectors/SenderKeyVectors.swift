import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation

/// Deterministic Sender Key conversations for `Vectors/sender-keys.json`, both layouts. The sender's
/// randomness (chain id, chain key, signing key, signature nonces) is `SeededEntropy(seed)`.
enum SenderKeyVectors {
    struct Scenario {
        let comment: String
        let seed: UInt64
        let layout: SenderKeyLayout
        let plaintexts: [String]
        /// Delivery order to a member that joined at iteration 0.
        let order: [Int]
    }

    static let group: [UInt8] = Array("crosswire-group!".utf8)

    static let scenarios: [Scenario] = [
        Scenario(comment: "legacy layout (libsignal 0.2.3, python-axolotl, WhatsApp): five messages, delivered out of order",
                 seed: 11, layout: .legacy, plaintexts: ["hello group", "", "third", String(repeating: "x", count: 100), "last"],
                 order: [1, 0, 4, 2, 3]),
        Scenario(comment: "distribution-UUID layout (current libsignal): five messages, delivered out of order",
                 seed: 12, layout: .distributionUUID, plaintexts: ["hello group", "", "third", String(repeating: "x", count: 100), "last"],
                 order: [4, 0, 3, 1, 2]),
    ]

    static func generate() async throws -> [String: Any] {
        var tests: [[String: Any]] = []
        for (index, scenario) in scenarios.enumerated() {
            var test = try await run(scenario)
            test["tcId"] = index + 1
            tests.append(test)
        }
        return [
            "algorithm": "Signal Sender Keys (groups), legacy and distribution-UUID layouts",
            "generatedBy": "crosswire vectors generate",
            "numberOfTests": tests.count,
            "header": [
                "The sender's randomness is SeededEntropy(seed): chain id (u32 >> 1), chain key (32), signing key (32), then 64 bytes of XEdDSA nonce per message.",
                "Message keys: HKDF(HMAC(chainKey, 0x01), no salt, \"WhisperGroup\", 48) = IV [0,16) || AES key [16,48).",
            ],
            "testGroups": [["type": "SenderKeys", "tests": tests]],
        ]
    }

    static func verify(_ test: VectorFile.Case) async throws -> String? {
        guard let seed = test.integers["seed"], let scenario = scenarios.first(where: { $0.seed == UInt64(seed) }) else {
            return "no scenario for seed \(test.integers["seed"] ?? -1)"
        }
        let replay = try await run(scenario)
        for (key, value) in replay {
            if let text = value as? String, test.strings[key] != text { return "\(key) differs" }
            if let list = value as? [[String: Any]] {
                let recorded = test.lists[key] ?? []
                guard recorded.count == list.count else { return "\(key) has \(recorded.count) entries, expected \(list.count)" }
                for (i, entry) in list.enumerated() {
                    for (k, v) in entry where recorded[i][k] != ((v as? String) ?? (v as? Int).map(String.init)) {
                        return "\(key)[\(i)].\(k) differs"
                    }
                }
            }
        }
        // Independently of the replay: a member that only has the recorded distribution decrypts the
        // recorded bytes, in the recorded order.
        let member = InMemorySignalProtocolStore(identity: .generate(), registrationID: RegistrationID(rawValue: 1)!)
        let cipher = GroupCipher(store: member, localAddress: ProtocolAddress(name: "member", deviceID: DeviceID(1)))
        let sender = ProtocolAddress(name: "sender", deviceID: DeviceID(1))
        try await cipher.process(try test.bytes("distribution"), from: sender, groupID: group, layout: scenario.layout)
        let messages = test.lists["messages"] ?? []
        for index in scenario.order {
            let plaintext = try await cipher.decrypt(try Hex.decode(messages[index]["message"] ?? ""), from: sender, groupID: group)
            if Hex.encode(plaintext) != messages[index]["plaintext"] { return "message \(index) decrypts to other bytes" }
        }
        return nil
    }

    static func run(_ scenario: Scenario) async throws -> [String: Any] {
        let entropy = SeededEntropy(seed: scenario.seed)
        let store = InMemorySignalProtocolStore(identity: IdentityKeyPair.generate(using: SeededEntropy(seed: 0)), registrationID: RegistrationID(rawValue: 1)!)
        let address = ProtocolAddress(name: "sender", deviceID: DeviceID(1))
        let cipher = GroupCipher(store: store, localAddress: address, entropy: entropy)
        let distribution = try await cipher.distributionMessage(for: group, layout: scenario.layout)
        let name = SenderKeyName(groupID: group, sender: address)
        let signingPrivate = try require(await store.senderKey(for: name)?.nextSenderKeys).signingPrivateKey
        var messages: [[String: Any]] = []
        for text in scenario.plaintexts {
            let keys = try require(await store.senderKey(for: name)?.nextSenderKeys)
            let message = try await cipher.encrypt(Array(text.utf8), groupID: group)
            messages.append([
                "iteration": Int(keys.iteration), "chainKey": Hex.encode(keys.chainKey.unprotectedBytes),
                "iv": Hex.encode(keys.iv.unprotectedBytes), "cipherKey": Hex.encode(keys.cipherKey.unprotectedBytes),
                "plaintext": Hex.encode(Array(text.utf8)), "message": Hex.encode(message.serialized),
            ])
        }
        return [
            "comment": scenario.comment, "flags": [String](), "result": "valid", "seed": Int(scenario.seed),
            "layout": scenario.layout.rawValue, "groupId": Hex.encode(group),
            "chainId": Int(distribution.chainID), "initialChainKey": Hex.encode(distribution.chainKey.rawRepresentation.unprotectedBytes),
            "signingPrivateKey": Hex.encode(signingPrivate.unprotectedBytes),
            "signingPublicKey": Hex.encode(distribution.signingKey),
            "distribution": Hex.encode(distribution.serialized),
            "messages": messages, "deliveryOrder": scenario.order,
        ]
    }
}

private func `require`<T>(_ value: T?) throws -> T {
    guard let value else { throw GroupError(.noSenderKey, "vector generation lost its sender key") }
    return value
}
