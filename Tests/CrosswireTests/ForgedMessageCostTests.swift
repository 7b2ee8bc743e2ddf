@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
import _CrosswireTestSupport
@testable import Crosswire

/// One forged message must cost little to refuse however many states a record holds (SECURITY.md,
/// "Bounds"): each state gets a jump allowance (the current one the full jump limit, archived ones a small
/// one), and every try draws on one per-message budget of chain steps and DH ratchet agreements. The
/// cost in time is measured by Benchmarks' `crosswire-forgery`; these tests check the work counts and
/// which genuine deliveries the limits still accept.
@Suite("Refusing a forged message costs bounded work")
struct ForgedMessageCostTests {
    @Test("the current chain accepts a jump up to the limit and refuses one past it, changing nothing")
    func currentJumpLimit() async throws {
        let (alice, bob) = try await establishedPair(seed: 340)
        let jump = Int(SessionLimits.chain.maxForwardJump)
        #expect(jump == 1000)
        var messages: [CiphertextMessage] = []
        for i in 0...(jump + 2) { messages.append(try await alice.send("m\(i)", to: bob)) }
        _ = try await bob.receive(messages[0], from: alice)
        // Bob's chain is at index 1: message jump + 2 is jump + 1 ahead, message jump + 1 exactly jump ahead.
        let before = await bob.store.snapshot()
        do {
            _ = try await bob.receive(messages[jump + 2], from: alice)
            Issue.record("a message \(jump + 1) ahead of the current chain decrypted")
        } catch let error as SessionError {
            #expect(error.code == .tooFarInFuture, "got \(error)")
        }
        #expect(await bob.store.snapshot() == before)
        #expect(try await bob.receive(messages[jump + 1], from: alice) == "m\(jump + 1)")
    }

    /// Alice and Bob talk on session 1; then Alice starts session 2, so session 1 is archived on her side
    /// while Bob keeps sending on it (a delayed reply, or simultaneous initiation).
    func archivedSession(seed: UInt64) async throws -> (Device, Device) {
        let (alice, bob) = try await establishedPair(seed: seed)
        _ = try await bob.receive(try await alice.send("a", to: bob), from: alice)
        _ = try await alice.receive(try await bob.send("b", to: alice), from: bob)
        try await alice.cipher(for: bob).process(try await bob.bundle(signedID: 2, preKeyID: 101))
        #expect(await alice.record(for: bob)?.archived.count == 1)
        return (alice, bob)
    }

    @Test("an archived session accepts a small jump and refuses a larger one, changing nothing")
    func archivedJumpAllowance() async throws {
        let (alice, bob) = try await archivedSession(seed: 341)
        let allowance = Int(SessionLimits.archivedForwardJump)
        #expect(allowance == 32)
        var messages: [CiphertextMessage] = []
        for i in 1...(allowance + 3) { messages.append(try await bob.send("r\(i)", to: alice)) }
        // Alice's archived chain is at index 1: counter c is c − 1 ahead.
        let before = await alice.store.snapshot()
        do {
            _ = try await alice.receive(messages[allowance + 1], from: bob)   // counter allowance + 2
            Issue.record("a message \(allowance + 1) ahead on an archived session decrypted")
        } catch let error as SessionError {
            #expect(error.code == .invalidMAC || error.code == .tooFarInFuture, "got \(error)")
        }
        #expect(await alice.store.snapshot() == before)
        #expect(try await alice.receive(messages[allowance], from: bob) == "r\(allowance + 1)")
        // Decrypting promoted session 1: the earlier messages are now on the current chain's skipped keys.
        #expect(try await alice.receive(messages[0], from: bob) == "r1")
        #expect(try await alice.receive(messages[allowance + 1], from: bob) == "r\(allowance + 2)")
    }

    /// Alice's record after `count` sessions with Bob, all from one signed prekey: every state has a
    /// receiving chain on the same ratchet key (the worst case for a forged header on that key).
    func manyStates(_ count: Int, seed: UInt64) async throws -> (SessionRecord, ECPublicKey) {
        let alice = Device("alice", seed: seed), bob = Device("bob", seed: seed + 1000)
        let bundle = try await bob.bundle(preKeyID: nil)
        for _ in 0..<count { try await alice.cipher(for: bob).process(bundle) }
        let record = try #require(await alice.record(for: bob))
        #expect(record.archived.count == count - 1)
        return (record, bundle.signedPreKey)
    }

    @Test("a forged message tried on 41 states stays within the per-message budget", arguments: [1, 41])
    func forgedWorkBound(states: Int) async throws {
        let (record, chainKey) = try await manyStates(states, seed: 342)
        let fresh = ECKeyPair.generate(using: SeededEntropy(seed: 343)).publicKey
        let jump = SessionLimits.chain.maxForwardJump
        for (key, counter) in [(chainKey, jump), (chainKey, 32), (chainKey, 2), (fresh, jump), (fresh, 32), (fresh, 0)] {
            let forged = SignalMessage(version: .v3, ratchetKey: key.serialized, counter: counter, previousCounter: 0,
                                       ciphertext: [UInt8](repeating: 1, count: 32)) { _ in [UInt8](repeating: 0, count: 8) }
            var copy = record
            var budget = DecryptionBudget()
            #expect(throws: SessionError.self) { try copy.decrypt(forged, using: SeededEntropy(seed: 1), budget: &budget) }
            #expect(budget.spentChainSteps <= SessionLimits.maxChainStepsPerMessage, "counter \(counter): \(budget)")
            #expect(budget.spentAgreements <= SessionLimits.maxAgreementsPerMessage, "counter \(counter): \(budget)")
            #expect(copy.serialized == record.serialized)
            if states == 1 {
                // One state spends at most its own jump (plus the target's step) and one agreement.
                #expect(budget.spentChainSteps <= jump + 1)
                #expect(budget.spentAgreements <= 1)
            }
        }
    }
}
