@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation
import Synchronization
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// A replayed first message must not start a second session, whatever encoding of its base key it
/// carries (SPEC.md §5.6): the base key is covered by no MAC, and X25519 with a clamped scalar cannot
/// tell a key from the same key plus a point of order 2, 4 or 8.
@Suite("A replayed first message never builds a second session")
struct BaseKeyReplayTests {
    struct Variant { let torsion_order: Int; let u: String }
    struct Key { let `private`: String; let public_u: String; var variants: [Variant] }
    struct Case: Decodable { let `private`: String?; let `public`: String; let torsionOrder: Int?; let equivalentTo: String? }
    struct Group: Decodable { let tests: [Case] }
    struct File: Decodable { let testGroups: [Group] }

    /// Keys and their small-order variants from Vectors/small-order-base-keys.json, computed by
    /// scripts/small_order_variants.py (plain Python integers, not Crosswire).
    static let keys: [Key] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Vectors/small-order-base-keys.json")
        var keys: [Key] = []
        for test in try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).testGroups[0].tests {
            if let raw = test.private {
                keys.append(Key(private: raw, public_u: test.public, variants: []))
            } else if let order = test.torsionOrder, test.equivalentTo == keys.last?.public_u {
                keys[keys.count - 1].variants.append(Variant(torsion_order: order, u: test.public))
            }
        }
        return keys
    }()

    /// Hands out `first` for the first request (the X3DH base key), then seeded bytes.
    final class ScriptedEntropy: EntropySource {
        let pending: Mutex<[UInt8]?>
        let rest: SeededEntropy

        init(first: [UInt8], then rest: SeededEntropy) {
            pending = Mutex(first)
            self.rest = rest
        }

        func fill(_ buffer: UnsafeMutableRawBufferPointer) {
            let first = pending.withLock { value -> [UInt8]? in defer { value = nil }; return value }
            if let first {
                precondition(first.count == buffer.count)
                buffer.copyBytes(from: first)
            } else {
                rest.fill(buffer)
            }
        }
    }

    /// Alice's first message to Bob with the vector key as her base key, already decrypted once by Bob.
    func firstMessage(_ key: Key, seed: UInt64, kem: Bool) async throws -> (Device, Device, PreKeySignalMessage) {
        let alice = Device("alice", seed: seed), bob = Device("bob", seed: seed + 1000)
        // No one-time prekey; in v4 only a last-resort KEM key: nothing is consumed, so only replay
        // detection stands between a replay and a second session.
        let bundle = try await bob.bundle(preKeyID: nil, kemID: kem ? 7 : nil, lastResort: true)
        let cipher = SessionCipher(store: alice.store, address: bob.address,
                                   entropy: ScriptedEntropy(first: try Hex.decode(key.private), then: alice.entropy))
        try await cipher.process(bundle)
        guard case .preKey(let first) = try await cipher.encrypt(Array("first".utf8)) else { throw SessionError(.invalidMessage, "expected type 3") }
        #expect(first.baseKey == [ECPublicKey.typeByte] + (try Hex.decode(key.public_u)))
        #expect(first.version == (kem ? .v4 : .v3))
        #expect(try await bob.cipher(for: alice).decrypt(first) == Array("first".utf8))
        return (alice, bob, first)
    }

    func replay(_ message: PreKeySignalMessage, baseKey: [UInt8]) -> PreKeySignalMessage {
        PreKeySignalMessage(
            version: message.version, registrationID: message.registrationID, preKeyID: message.preKeyID,
            signedPreKeyID: message.signedPreKeyID, baseKey: baseKey, identityKey: message.identityKey,
            message: message.message, kemPreKeyID: message.kemPreKeyID, kemCiphertext: message.kemCiphertext)
    }

    @Test("the vector variants really are equivalent under X25519")
    func variantsAreEquivalent() throws {
        let scalar = ECPrivateKey.generate(using: SeededEntropy(seed: 5))
        for key in Self.keys {
            let original = try scalar.sharedSecret(with: ECPublicKey(rawRepresentation: try Hex.decode(key.public_u)))
            #expect(Set(key.variants.map(\.torsion_order)) == [2, 4, 8])
            for variant in key.variants {
                let shared = try scalar.sharedSecret(with: ECPublicKey(rawRepresentation: try Hex.decode(variant.u)))
                #expect(shared == original, "order-\(variant.torsion_order) variant gives another secret")
            }
        }
    }

    @Test("a replay in any small-order encoding of its base key fails and changes nothing",
          arguments: [false, true])
    func smallOrderReplay(kem: Bool) async throws {
        for (index, key) in Self.keys.enumerated() {
            let (alice, bob, first) = try await firstMessage(key, seed: 300 + UInt64(index), kem: kem)
            // The replay with the same bytes is a duplicate of a message the session already decrypted.
            let before = await bob.store.snapshot()
            await #expect(throws: SessionError.self) { try await bob.cipher(for: alice).decrypt(first) }
            #expect(await bob.store.snapshot() == before)
            for variant in key.variants {
                let forged = replay(first, baseKey: [ECPublicKey.typeByte] + (try Hex.decode(variant.u)))
                do {
                    let plaintext = try await bob.cipher(for: alice).decrypt(forged.serialized, kind: .preKey)
                    Issue.record("v\(first.version.rawValue) replay with an order-\(variant.torsion_order) variant of the base key decrypted again: \(plaintext)")
                } catch {
                    #expect(error.code == .invalidKey, "got \(error)")
                }
                #expect(await bob.store.snapshot() == before, "an order-\(variant.torsion_order) replay changed the store")
                #expect(await bob.record(for: alice)?.archived.count == 0)
            }
        }
    }

    @Test("a repeated PreKey message must name the identity of the session it continues")
    func repeatedPreKeyMessageIdentity() async throws {
        let (alice, bob) = try await establishedPair(seed: 320)
        guard case .preKey(let first) = try await alice.send("one", to: bob),
              case .preKey(let second) = try await alice.send("two", to: bob) else { Issue.record("expected type 3"); return }
        // Bob's app accepts changed keys on receipt (as many do); the MAC covers the session's identity,
        // not the one the message names.
        let trusting = FailingStore(base: bob.store, failing: "", trustsEveryReceivedIdentity: true)
        let cipher = SessionCipher(store: trusting, address: alice.address, entropy: bob.entropy)
        _ = try await cipher.decrypt(first)
        let mallory = IdentityKeyPair.generate(using: SeededEntropy(seed: 321))
        let forged = PreKeySignalMessage(
            version: second.version, registrationID: second.registrationID, preKeyID: second.preKeyID,
            signedPreKeyID: second.signedPreKeyID, baseKey: second.baseKey, identityKey: mallory.identityKey.serialized,
            message: second.message)
        let before = await bob.store.snapshot()
        do {
            _ = try await cipher.decrypt(forged)
            Issue.record("a PreKey message naming another identity continued the session; saved identity is now \(String(describing: await bob.store.identity(for: alice.address)))")
        } catch {
            #expect(error.code == .untrustedIdentity, "got \(error)")
        }
        #expect(await bob.store.snapshot() == before)
        #expect(await bob.store.identity(for: alice.address) == alice.identity.identityKey)
        #expect(try await cipher.decrypt(second) == Array("two".utf8))
    }
}
