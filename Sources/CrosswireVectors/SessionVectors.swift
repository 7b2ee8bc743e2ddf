import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation

/// Deterministic v3 conversations for `Vectors/session-v3.json` (Vectors/README.md has the schema).
/// Long-term keys come from `SeededEntropy(seed: 3·seed)`; Alice's and Bob's session randomness (base
/// key, ratchet keys) from `SeededEntropy(seed: 3·seed + 1)` and `(3·seed + 2)`. Verifying replays each
/// conversation from the recorded keys and the seed and demands identical bytes at every step.
public enum SessionVectors {
    enum Side: String { case alice, bob }

    enum Step {
        case send(Side, String)
        case deliver(Int)
    }

    struct Scenario {
        let comment: String
        var seed: UInt64
        let oneTimePreKey: Bool
        let steps: [Step]
        var postQuantum = false
    }

    static let scenarios: [Scenario] = [
        Scenario(comment: "Alice sends three PreKey messages, Bob reads them in order (checkable by any responder)",
                 seed: 1, oneTimePreKey: true,
                 steps: [.send(.alice, "hello bob"), .send(.alice, "second"), .send(.alice, "third"), .deliver(0), .deliver(1), .deliver(2)]),
        Scenario(comment: "no one-time prekey; Alice's two PreKey messages arrive in reverse order",
                 seed: 2, oneTimePreKey: false,
                 steps: [.send(.alice, "first"), .send(.alice, "second"), .deliver(1), .deliver(0)]),
        Scenario(comment: "back and forth: each reply is a DH ratchet step",
                 seed: 3, oneTimePreKey: true,
                 steps: [.send(.alice, "a0"), .deliver(0), .send(.bob, "b0"), .deliver(1), .send(.alice, "a1"), .deliver(2),
                         .send(.bob, "b1"), .send(.bob, "b2"), .deliver(4), .deliver(3), .send(.alice, "a2"), .deliver(5)]),
        Scenario(comment: "out of order across ratchet steps, with an empty and a 1 KiB message",
                 seed: 4, oneTimePreKey: true,
                 steps: [.send(.alice, "x0"), .send(.alice, ""), .deliver(1), .send(.bob, String(repeating: "k", count: 1024)),
                         .send(.bob, "y1"), .deliver(3), .send(.alice, "x2"), .send(.alice, "x3"), .deliver(5), .deliver(0),
                         .deliver(2), .deliver(4)]),
    ]

    /// PQXDH (v4) conversations for `pqxdh-v4.json`: the v3 scripts again, with a KEM prekey in Bob's bundle.
    static let postQuantumScenarios: [Scenario] = scenarios.map {
        var scenario = $0
        scenario.seed += 100
        scenario.postQuantum = true
        return scenario
    }

    /// The vector file as a JSON object. For PQXDH, `keeping` (the file as it is) supplies each test's
    /// recorded encapsulation, so regeneration is byte-identical; without it a fresh one is drawn.
    public static func generate(postQuantum: Bool = false, keeping previous: VectorFile? = nil) async throws -> [String: Any] {
        var tests: [[String: Any]] = []
        let previousTests = previous?.groups.flatMap(\.cases) ?? []
        for (index, scenario) in (postQuantum ? postQuantumScenarios : scenarios).enumerated() {
            let kept = previousTests.first { $0.integers["seed"] == Int(scenario.seed) }
            var encapsulation: (SecretBytes, [UInt8])?
            if postQuantum, let kept, kept.strings["kemCiphertext"] != nil {
                encapsulation = (SecretBytes(try kept.bytes("kemSharedSecret")), Array(try kept.bytes("kemCiphertext").dropFirst()))
            }
            var test = try await run(scenario, recorded: nil, encapsulation: encapsulation)
            test["tcId"] = index + 1
            tests.append(test)
        }
        if postQuantum {
            return [
                "algorithm": "Signal protocol v4 session (PQXDH with ML-KEM-1024 + Double Ratchet, no SPQR)",
                "generatedBy": "crosswire vectors generate",
                "numberOfTests": tests.count,
                "header": [
                    "As session-v3.json, with an ML-KEM-1024 prekey (type 0x0a, seed recorded) in Bob's bundle.",
                    "ML-KEM encapsulation is not injectable in swift-crypto, so the ciphertext and shared secret are recorded: verifiers decapsulate, and the replay reuses them.",
                    "Keys: SeededEntropy(3*seed) (the KEM seed is drawn after the one-time prekey); session randomness as in session-v3.json.",
                ],
                "testGroups": [["type": "SessionV4", "tests": tests]],
            ]
        }
        return [
            "algorithm": "Signal protocol v3 session (X3DH + Double Ratchet)",
            "generatedBy": "crosswire vectors generate",
            "numberOfTests": tests.count,
            "header": [
                "Deterministic conversations: every key, every message's bytes, and the root and chain keys at each step.",
                "Keys: SeededEntropy(3*seed); Alice's session randomness: SeededEntropy(3*seed+1); Bob's: SeededEntropy(3*seed+2).",
            ],
            "testGroups": [["type": "SessionV3", "tests": tests]],
        ]
    }

    /// Replays a recorded test and reports the first difference.
    static func verify(_ test: VectorFile.Case) async throws -> String? {
        guard let seed = test.integers["seed"],
              let scenario = (scenarios + postQuantumScenarios).first(where: { $0.seed == UInt64(seed) }) else {
            return "no scenario for seed \(test.integers["seed"] ?? -1)"
        }
        let replay = try await run(scenario, recorded: test)
        for (key, value) in replay where key != "tcId" {
            if let text = value as? String, test.strings[key] != text { return "\(key) differs" }
            if let number = value as? Int, test.integers[key] != number { return "\(key) differs" }
            if let list = value as? [[String: Any]] {
                let recorded = test.lists[key] ?? []
                guard recorded.count == list.count else { return "\(key) has \(recorded.count) entries, expected \(list.count)" }
                for (i, entry) in list.enumerated() {
                    for (k, v) in entry {
                        let expected = (v as? String) ?? (v as? Int).map(String.init) ?? ""
                        if recorded[i][k] != expected { return "\(key)[\(i)].\(k) differs" }
                    }
                }
            }
        }
        return nil
    }

    /// Runs one conversation. With `recorded`, long-term keys are loaded from it instead of generated.
    static func run(_ scenario: Scenario, recorded: VectorFile.Case?, encapsulation kept: (SecretBytes, [UInt8])? = nil) async throws -> [String: Any] {
        let keys = SeededEntropy(seed: 3 &* scenario.seed)
        func key(_ name: String) throws -> ECKeyPair {
            if let recorded { return ECKeyPair(privateKey: try ECPrivateKey(rawRepresentation: try recorded.bytes(name))) }
            return ECKeyPair.generate(using: keys)
        }
        let aliceIdentity = IdentityKeyPair(keyPair: try key("aliceIdentityPrivate"))
        let bobIdentity = IdentityKeyPair(keyPair: try key("bobIdentityPrivate"))
        let aliceRegistration = RegistrationID(unchecked: UInt32(recorded?.integers["aliceRegistrationId"] ?? Int(RegistrationID.generate(using: keys).rawValue)))
        let bobRegistration = RegistrationID(unchecked: UInt32(recorded?.integers["bobRegistrationId"] ?? Int(RegistrationID.generate(using: keys).rawValue)))
        let signedKeyPair = try key("bobSignedPreKeyPrivate")
        let signature = try recorded.map { try $0.bytes("bobSignedPreKeySignature") }
            ?? bobIdentity.signature(for: signedKeyPair.publicKey.serialized, using: keys)
        let signed = SignedPreKey(id: SignedPreKeyID(1), keyPair: signedKeyPair, signature: signature, timestamp: 0)
        let oneTime = scenario.oneTimePreKey ? OneTimePreKey(id: PreKeyID(31), keyPair: try key("bobPreKeyPrivate")) : nil
        var kem: KEMPreKey?
        if scenario.postQuantum {
            let seed = try recorded.map { SecretBytes(try $0.bytes("bobKEMPreKeySeed")) } ?? SecretBytes(randomCount: 64, using: keys)
            let privateKey = try MLKEMPrivateKey(seed: seed)
            let signature = try recorded.map { try $0.bytes("bobKEMPreKeySignature") }
                ?? bobIdentity.signature(for: privateKey.publicKey.serialized, using: keys)
            kem = KEMPreKey(id: KEMPreKeyID(5), privateKey: privateKey, signature: signature, timestamp: 0, isLastResort: false)
        }

        let aliceStore = InMemorySignalProtocolStore(identity: aliceIdentity, registrationID: aliceRegistration)
        let bobStore = InMemorySignalProtocolStore(identity: bobIdentity, registrationID: bobRegistration)
        try await bobStore.storeSignedPreKey(signed)
        if let oneTime { try await bobStore.storePreKey(oneTime) }
        if let kem { try await bobStore.storeKEMPreKey(kem) }
        let aliceAddress = ProtocolAddress(name: "alice", deviceID: DeviceID(1))
        let bobAddress = ProtocolAddress(name: "bob", deviceID: DeviceID(1))
        var alice = SessionCipher(store: aliceStore, address: bobAddress, entropy: SeededEntropy(seed: 3 &* scenario.seed &+ 1))
        let encapsulation = Encapsulation()
        if let recorded, scenario.postQuantum {
            let secret = SecretBytes(try recorded.bytes("kemSharedSecret"))
            let ciphertext = Array(try recorded.bytes("kemCiphertext").dropFirst())
            alice.encapsulate = { _ throws(CryptoError) in (secret, ciphertext) }
        } else if scenario.postQuantum, let kept {
            encapsulation.set(kept)
            alice.encapsulate = { _ throws(CryptoError) in kept }
        } else if scenario.postQuantum {
            alice.encapsulate = { key throws(CryptoError) in
                let result = try key.encapsulate()
                encapsulation.set(result)
                return result
            }
        }
        let bob = SessionCipher(store: bobStore, address: aliceAddress, entropy: SeededEntropy(seed: 3 &* scenario.seed &+ 2))

        let bundle = try PreKeyBundle(
            publishing: bobIdentity.identityKey, registrationID: bobRegistration, deviceID: DeviceID(1),
            signedPreKey: signed, oneTimePreKey: oneTime, kemPreKey: kem)
        try await alice.process(bundle)
        let baseKeyHex = Hex.encode((await aliceStore.session(for: bobAddress))!.current!.baseKey.serialized)

        var messages: [[String: Any]] = []
        var sent: [(Side, CiphertextMessage, String)] = []
        var deliveries: [[String: Any]] = []
        for step in scenario.steps {
            switch step {
            case .send(let side, let text):
                let (cipher, store, peer) = side == .alice ? (alice, aliceStore, bobAddress) : (bob, bobStore, aliceAddress)
                let keys = (await store.session(for: peer))!.current!.nextSendingKeys
                let message = try await cipher.encrypt(Array(text.utf8))
                let after = (await store.session(for: peer))!.current!
                messages.append([
                    "index": sent.count, "sender": side.rawValue, "type": Int(message.kind.rawValue),
                    "plaintext": Hex.encode(Array(text.utf8)), "ciphertext": Hex.encode(message.serialized),
                    "counter": Int(keys.counter),
                    "senderRatchetPrivate": Hex.encode(keys.ratchetPrivateKey.unprotectedBytes),
                    "chainKey": Hex.encode(keys.chainKey.unprotectedBytes),
                    "cipherKey": Hex.encode(keys.cipherKey.unprotectedBytes), "iv": Hex.encode(keys.iv.unprotectedBytes),
                    "senderRootKey": Hex.encode(after.rootKeyBytes.unprotectedBytes),
                ])
                sent.append((side, message, text))
            case .deliver(let index):
                precondition(index < sent.count, "scenario delivers message \(index) before it was sent")
                let (side, message, text) = sent[index]
                let (cipher, store, peer) = side == .alice ? (bob, bobStore, aliceAddress) : (alice, aliceStore, bobAddress)
                let plaintext = try await cipher.decrypt(message.serialized, kind: message.kind)
                guard plaintext == Array(text.utf8) else {
                    throw SessionError(.invalidCiphertext, "message \(index) decrypted to the wrong plaintext")
                }
                let state = (await store.session(for: peer))!.current!
                deliveries.append([
                    "message": index,
                    "receiverRootKey": Hex.encode(state.rootKeyBytes.unprotectedBytes),
                    "receiverSendingRatchetKey": Hex.encode(state.sendingRatchetPublicKey.serialized),
                ])
            }
        }
        var test: [String: Any] = [
            "comment": scenario.comment, "flags": [String](), "result": "valid", "seed": Int(scenario.seed),
            "aliceIdentityPrivate": Hex.encode(aliceIdentity.privateKey.rawRepresentation.unprotectedBytes),
            "aliceIdentity": Hex.encode(aliceIdentity.identityKey.serialized),
            "aliceRegistrationId": Int(aliceRegistration.rawValue), "aliceBaseKey": baseKeyHex,
            "bobIdentityPrivate": Hex.encode(bobIdentity.privateKey.rawRepresentation.unprotectedBytes),
            "bobIdentity": Hex.encode(bobIdentity.identityKey.serialized),
            "bobRegistrationId": Int(bobRegistration.rawValue),
            "bobSignedPreKeyId": Int(signed.id.rawValue),
            "bobSignedPreKeyPrivate": Hex.encode(signed.keyPair.privateKey.rawRepresentation.unprotectedBytes),
            "bobSignedPreKey": Hex.encode(signed.keyPair.publicKey.serialized),
            "bobSignedPreKeySignature": Hex.encode(signed.signature),
            "messages": messages, "deliveries": deliveries,
        ]
        if let kem {
            test["bobKEMPreKeyId"] = Int(kem.id.rawValue)
            test["bobKEMPreKeySeed"] = Hex.encode(kem.privateKey.seed.unprotectedBytes)
            test["bobKEMPreKey"] = Hex.encode(kem.publicKey.serialized)
            test["bobKEMPreKeySignature"] = Hex.encode(kem.signature)
            if let recorded {
                test["kemCiphertext"] = recorded.strings["kemCiphertext"]
                test["kemSharedSecret"] = recorded.strings["kemSharedSecret"]
            } else if let (secret, ciphertext) = encapsulation.value {
                test["kemCiphertext"] = Hex.encode(MLKEMPublicKey.serializeCiphertext(ciphertext))
                test["kemSharedSecret"] = Hex.encode(secret.unprotectedBytes)
            }
        }
        if let oneTime {
            test["bobPreKeyId"] = Int(oneTime.id.rawValue)
            test["bobPreKeyPrivate"] = Hex.encode(oneTime.keyPair.privateKey.rawRepresentation.unprotectedBytes)
            test["bobPreKey"] = Hex.encode(oneTime.keyPair.publicKey.serialized)
        }
        return test
    }
}

/// Captures the one encapsulation of a generated PQXDH conversation.
final class Encapsulation: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (SecretBytes, [UInt8])?
    func set(_ value: (SecretBytes, [UInt8])) { lock.lock(); stored = value; lock.unlock() }
    var value: (SecretBytes, [UInt8])? { lock.lock(); defer { lock.unlock() }; return stored }
}
