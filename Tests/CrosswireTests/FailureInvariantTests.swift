@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// Every failed decrypt returns a typed error and leaves every record and store byte-for-byte unchanged.
@Suite("Failed decryption changes nothing")
struct FailureInvariantTests {
    /// Runs `attempt` against `device`, expecting `code`, and checks that the store is untouched.
    func expectUnchanged(_ device: Device, _ code: SessionError.Code, _ attempt: () async throws -> Void) async {
        let before = await device.store.snapshot()
        do {
            try await attempt()
            Issue.record("expected \(code), but the operation succeeded")
        } catch let error as SessionError {
            #expect(error.code == code, "got \(error)")
            #expect(!error.reason.isEmpty)
        } catch {
            Issue.record("expected a SessionError \(code), got \(error)")
        }
        let after = await device.store.snapshot()
        #expect(before == after, "the store changed after a failed operation")
    }

    /// A session where both sides have talked, plus a fresh in-flight message each way.
    func conversation(seed: UInt64) async throws -> (Device, Device, SignalMessage) {
        let (alice, bob) = try await establishedPair(seed: seed)
        _ = try await bob.receive(try await alice.send("hello", to: bob), from: alice)
        _ = try await alice.receive(try await bob.send("reply", to: alice), from: bob)
        guard case .signal(let message) = try await alice.send("in flight", to: bob) else { throw SessionError(.invalidMessage, "expected type 2") }
        return (alice, bob, message)
    }

    @Test("flipping any single byte of a SignalMessage fails and changes nothing")
    func tamperEveryByte() async throws {
        let (alice, bob, message) = try await conversation(seed: 40)
        for index in message.serialized.indices {
            var bytes = message.serialized
            bytes[index] ^= 0x01
            let before = await bob.store.snapshot()
            await #expect(throws: SessionError.self) { try await bob.cipher(for: alice).decrypt(bytes, kind: .signal) }
            #expect(await bob.store.snapshot() == before, "byte \(index) changed the store")
        }
        #expect(try await bob.cipher(for: alice).decrypt(message.serialized, kind: .signal) == Array("in flight".utf8))
    }

    @Test("tampering with a PreKeySignalMessage fails and changes nothing, unless only unauthenticated bytes changed")
    func tamperPreKeyMessage() async throws {
        let (alice, bob) = try await establishedPair(seed: 41)
        guard case .preKey(let message) = try await alice.send("first", to: bob) else { Issue.record("expected type 3"); return }
        let before = await bob.store.snapshot()
        var failures = 0
        for index in message.serialized.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var bytes = message.serialized
                bytes[index] ^= flip
                do {
                    _ = try await bob.cipher(for: alice).decrypt(bytes, kind: .preKey)
                    // Accepted: only the parts libsignal does not authenticate either may differ (the
                    // low nibble of the outer version byte and the registration id).
                    let parsed = try PreKeySignalMessage(serialized: bytes)
                    #expect(parsed.version == message.version && parsed.baseKey == message.baseKey
                            && parsed.identityKey == message.identityKey && parsed.preKeyID == message.preKeyID
                            && parsed.signedPreKeyID == message.signedPreKeyID && parsed.message == message.message,
                            "byte \(index) flip \(flip) changed an authenticated field yet decrypted")
                    await bob.store.restore(before)
                } catch {
                    failures += 1
                    #expect(error is SessionError)
                    #expect(await bob.store.snapshot() == before, "byte \(index) changed the store")
                }
            }
        }
        #expect(failures > message.serialized.count)
        #expect(try await bob.receive(.preKey(message), from: alice) == "first")
    }

    @Test("a replayed message is a duplicate and changes nothing")
    func replay() async throws {
        let (alice, bob, message) = try await conversation(seed: 42)
        _ = try await bob.cipher(for: alice).decrypt(message)
        await expectUnchanged(bob, .duplicateMessage) { _ = try await bob.cipher(for: alice).decrypt(message) }
    }

    @Test("a message for another session fails the MAC and changes nothing")
    func wrongSession() async throws {
        let (alice, bob, _) = try await conversation(seed: 43)
        let (carol, dave, foreign) = try await conversation(seed: 44)
        _ = (carol, dave)
        await expectUnchanged(bob, .invalidMAC) { _ = try await bob.cipher(for: alice).decrypt(foreign) }
    }

    @Test("a counter beyond the jump limit is refused before any derivation")
    func tooFarAhead() async throws {
        let (alice, bob, message) = try await conversation(seed: 45)
        let forged = SignalMessage(version: .v3, ratchetKey: message.ratchetKey, counter: message.counter + SessionLimits.chain.maxForwardJump + 1,
                                   previousCounter: 0, ciphertext: message.ciphertext) { _ in [UInt8](repeating: 0, count: 8) }
        await expectUnchanged(bob, .tooFarInFuture) { _ = try await bob.cipher(for: alice).decrypt(forged) }
        let forgedNewChain = SignalMessage(version: .v3, ratchetKey: ECKeyPair.generate().publicKey.serialized,
                                           counter: SessionLimits.chain.maxForwardJump + 1, previousCounter: 0,
                                           ciphertext: message.ciphertext) { _ in [UInt8](repeating: 0, count: 8) }
        await expectUnchanged(bob, .tooFarInFuture) { _ = try await bob.cipher(for: alice).decrypt(forgedNewChain) }
    }

    @Test("truncated input is an invalid message and changes nothing")
    func truncated() async throws {
        let (alice, bob, message) = try await conversation(seed: 46)
        for length in [0, 1, 5, 9, 40, message.serialized.count - 1] {
            await expectUnchanged(bob, .invalidMessage) {
                _ = try await bob.cipher(for: alice).decrypt(Array(message.serialized.prefix(length)), kind: .signal)
            }
        }
    }

    @Test("unknown one-time and signed prekey ids fail and change nothing")
    func unknownPreKeys() async throws {
        let alice = Device("alice", seed: 47), bob = Device("bob", seed: 48)
        let bundle = try await bob.bundle(signedID: 5, preKeyID: 50)
        try await alice.cipher(for: bob).process(bundle)
        guard case .preKey(let message) = try await alice.send("x", to: bob) else { Issue.record("expected type 3"); return }
        await bob.store.removePreKey(id: PreKeyID(50))
        await expectUnchanged(bob, .unknownPreKey) { _ = try await bob.cipher(for: alice).decrypt(message) }
        let other = PreKeySignalMessage(version: .v3, registrationID: message.registrationID, preKeyID: nil, signedPreKeyID: 6,
                                        baseKey: message.baseKey, identityKey: message.identityKey, message: message.message)
        await expectUnchanged(bob, .unknownSignedPreKey) { _ = try await bob.cipher(for: alice).decrypt(other) }
    }

    @Test("a message with no session, or of an unknown type, fails and changes nothing")
    func noSession() async throws {
        let (alice, bob, message) = try await conversation(seed: 49)
        let stranger = Device("stranger", seed: 50)
        await expectUnchanged(stranger, .noSession) { _ = try await stranger.cipher(for: alice).decrypt(message) }
        await expectUnchanged(bob, .invalidMessage) { _ = try await bob.cipher(for: alice).decrypt(message.serialized, kind: .senderKey) }
    }

    @Test("an old chain beyond the kept receiving chains is refused and changes nothing")
    func expiredChain() async throws {
        let (alice, bob) = try await establishedPair(seed: 51)
        _ = try await bob.receive(try await alice.send("0", to: bob), from: alice)
        _ = try await alice.receive(try await bob.send("r", to: alice), from: bob)
        let old = try await alice.send("old", to: bob)
        for round in 0..<SessionLimits.maxReceivingChains + 1 {
            _ = try await bob.receive(try await alice.send("a\(round)", to: bob), from: alice)
            _ = try await alice.receive(try await bob.send("b\(round)", to: alice), from: bob)
        }
        let chains = try #require(await bob.record(for: alice)?.current?.receivingChains.count)
        #expect(chains == SessionLimits.maxReceivingChains)
        await expectUnchanged(bob, .invalidMAC) { _ = try await bob.cipher(for: alice).decrypt(old.serialized, kind: .signal) }
    }

    @Test("skipped keys are bounded per chain; the oldest are dropped")
    func skippedKeyBound() async throws {
        let (alice, bob) = try await establishedPair(seed: 52)
        _ = try await bob.receive(try await alice.send("0", to: bob), from: alice)
        var messages: [CiphertextMessage] = []
        for i in 0..<(SessionLimits.chain.maxSkippedKeys + 10) { messages.append(try await alice.send("m\(i)", to: bob)) }
        let first = messages.first
        // Jumps within the forward limit, so that the skipped keys pile up past their bound.
        let jump = Int(SessionLimits.chain.maxForwardJump)
        for index in stride(from: jump - 1, to: messages.count, by: jump) { _ = try await bob.receive(messages[index], from: alice) }
        let last = try await alice.send("last", to: bob)
        #expect(try await bob.receive(last, from: alice) == "last")
        let chain = try #require(await bob.record(for: alice)?.current?.receivingChains.last)
        #expect(chain.skipped.count == SessionLimits.chain.maxSkippedKeys)
        await expectUnchanged(bob, .duplicateMessage) { _ = try await bob.cipher(for: alice).decrypt(first!.serialized, kind: first!.kind) }
    }
}
