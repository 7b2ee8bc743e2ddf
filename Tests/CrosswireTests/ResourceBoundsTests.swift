@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// An attacker cannot make Crosswire keep or compute without limit (SECURITY.md, "Bounds").
@Suite("Resource bounds")
struct ResourceBoundsTests {
    @Test("a flood of forged messages with new ratchet keys creates no state")
    func forgedRatchetKeys() async throws {
        let (alice, bob) = try await establishedPair(seed: 80)
        _ = try await bob.receive(try await alice.send("hi", to: bob), from: alice)
        let before = await bob.store.snapshot()
        for i in 0..<50 {
            let forged = SignalMessage(version: .v3, ratchetKey: ECKeyPair.generate().publicKey.serialized, counter: UInt32(i),
                                       previousCounter: 0, ciphertext: [UInt8](repeating: 0, count: 16)) { _ in [UInt8](repeating: 0, count: 8) }
            await #expect(throws: SessionError(.invalidMAC, "")) { try await bob.cipher(for: alice).decrypt(forged) }
        }
        #expect(await bob.store.snapshot() == before)
    }

    @Test("archived states stay at 40 however many sessions a peer starts")
    func archivedStates() async throws {
        let bob = Device("bob", seed: 81)
        let alice = Device("alice", seed: 82)
        for i in 0..<(SessionLimits.maxArchivedStates + 5) {
            try await alice.cipher(for: bob).process(try await bob.bundle(signedID: UInt32(i + 1), preKeyID: nil))
            _ = try await bob.receive(try await alice.send("s\(i)", to: bob), from: alice)
        }
        let record = try #require(await bob.record(for: alice))
        #expect(record.archived.count == SessionLimits.maxArchivedStates)
        #expect(throws: RecordError(.corruptRecord, "")) {
            var bytes: [UInt8] = [SessionRecord.formatVersion]
            let state = record.archived[0].serialized
            for _ in 0...SessionLimits.maxArchivedStates {
                var writer = ProtobufWriter()
                writer.appendBytes(field: 2, state)
                bytes += writer.bytes
            }
            _ = try SessionRecord(serialized: bytes)
        }
    }

    @Test("a huge counter is refused before any key derivation and changes nothing")
    func hugeCounter() async throws {
        let (alice, bob) = try await establishedPair(seed: 83)
        _ = try await bob.receive(try await alice.send("hi", to: bob), from: alice)
        guard case .signal(let genuine) = try await bob.send("r", to: alice) else { Issue.record("expected type 2"); return }
        _ = genuine
        let current = try #require(await alice.record(for: bob)?.current)
        let chainKey = try #require(current.receivingChains.last).ratchetKey.serialized
        let before = await alice.store.snapshot()
        let forged = SignalMessage(version: .v3, ratchetKey: chainKey, counter: UInt32.max, previousCounter: 0,
                                   ciphertext: [UInt8](repeating: 0, count: 16)) { _ in [UInt8](repeating: 0, count: 8) }
        // The jump check comes before any chain step (a 4-billion-step derivation would never return).
        await #expect(throws: SessionError(.tooFarInFuture, "")) { try await alice.cipher(for: bob).decrypt(forged) }
        #expect(await alice.store.snapshot() == before)
    }

    @Test("oversized and overlong fields are refused by the decoders", arguments: [WireLimits.maxMessageBytes + 1, 5_000_000])
    func oversized(size: Int) {
        let bytes = [0x33] + [UInt8](repeating: 0x0a, count: size)
        #expect(throws: WireFormatError(.tooLarge, "")) { try SignalMessage(serialized: bytes) }
        #expect(throws: WireFormatError(.tooLarge, "")) { try PreKeySignalMessage(serialized: bytes) }
        #expect(throws: WireFormatError(.tooLarge, "")) { try SenderKeyMessage(serialized: bytes, layout: .legacy) }
        #expect(throws: WireFormatError(.tooLarge, "")) { try SenderKeyDistributionMessage(serialized: Array(bytes.prefix(5000)), layout: .legacy) }
    }

    @Test("errors never carry key material")
    func errorsAreClean() async throws {
        let (alice, bob) = try await establishedPair(seed: 84)
        let message = try await alice.send("secret text", to: bob)
        _ = try await bob.receive(message, from: alice)
        let record = try #require(await bob.record(for: alice))
        let state = try #require(record.current)
        let secrets = [state.rootKey.key.rawRepresentation, state.sendingChain.chainKey.key.rawRepresentation, state.sendingChain.ratchetKeyPair.privateKey.rawRepresentation,
                       bob.identity.privateKey.rawRepresentation].map { Hex.encode($0.unprotectedBytes) }
        var errors: [Error] = []
        var tampered = message.serialized
        tampered[tampered.count - 3] ^= 1
        for attempt in [message.serialized, tampered, Array(message.serialized.prefix(20))] {
            do { _ = try await bob.cipher(for: alice).decrypt(attempt, kind: .preKey) } catch { errors.append(error) }
        }
        #expect(errors.count == 3)
        for error in errors {
            let text = String(describing: error) + String(reflecting: error)
            for secret in secrets { #expect(!text.contains(secret)) }
            #expect(!text.contains("secret text"))
        }
    }
}
