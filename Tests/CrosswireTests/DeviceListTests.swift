@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
@testable import Crosswire

/// Signed device lists (SPEC §12.3): every rule, each refusal typed, and the trusted list unchanged by
/// any refusal.
@Suite("Signed device lists")
struct DeviceListTests {
    struct Account {
        let user: UserAddress
        let primary: IdentityKeyPair
        let primaryIdentity: DeviceIdentity
        var companions: [UInt32: IdentityKeyPair] = [:]

        init(_ text: String, seed: UInt64) throws {
            user = try UserAddress(parsing: text)
            primary = IdentityKeyPair.generate(using: SeededEntropy(seed: seed))
            primaryIdentity = try DeviceIdentity(user: user, deviceID: DeviceID(1), registrationID: RegistrationID(rawValue: 1)!,
                                                 identityKey: primary.identityKey, addedAt: 1)
        }

        func identity(_ id: UInt32, _ pair: IdentityKeyPair) throws -> DeviceIdentity {
            try DeviceIdentity(user: user, deviceID: DeviceID(id), registrationID: RegistrationID(rawValue: 10 + id)!,
                               identityKey: pair.identityKey, addedAt: UInt64(id))
        }

        /// The link of a companion: the primary approves, the companion signs back.
        func attestation(_ id: UInt32, _ pair: IdentityKeyPair) throws -> DeviceAttestation {
            let identity = try identity(id, pair)
            let approval = DeviceAttestation.accountSignature(for: identity, by: primary)
            return try DeviceAttestation(countersigning: identity, accountSignature: approval, primary: primary.identityKey, companion: pair)
        }

        func list(_ version: UInt64, _ companions: [UInt32]) throws -> SignedDeviceList {
            try DeviceList(user: user, version: version, primary: primaryIdentity,
                           companions: try companions.map { id throws in try attestation(id, pair(id)) }).signed(by: primary)
        }

        func pair(_ id: UInt32) -> IdentityKeyPair {
            IdentityKeyPair.generate(using: SeededEntropy(seed: UInt64(id) * 7919 + UInt64(user.description.utf8.count)))
        }
    }

    /// What a device trusts about one contact: the last verified list. `accept` replaces it only when
    /// the new one is accepted.
    struct Trusted {
        var list: VerifiedDeviceList?
        mutating func accept(_ signed: SignedDeviceList, for user: UserAddress) throws(DeviceListError) -> DeviceListChange {
            let verified = try SignedDeviceList(serialized: signed.serialized).verified(for: user)
            let change = try list.map { current throws(DeviceListError) in try current.change(to: verified) }
                ?? DeviceListChange(previous: nil, current: verified, identityChanged: false)
            list = verified
            return change
        }
    }

    func expectRefused(_ code: DeviceListError.Code, _ signed: SignedDeviceList, for user: UserAddress, trusted: inout Trusted) {
        let before = trusted.list
        do {
            _ = try trusted.accept(signed, for: user)
            Issue.record("accepted a list that breaks \(code)")
        } catch {
            #expect(error.code == code, "\(error)")
        }
        #expect(trusted.list == before, "a refused list changed what is trusted")
    }

    @Test("linking and removing companions: versions go up, changes are reported, the safety number follows")
    func lifecycle() throws {
        let alice = try Account("whatsapp:alice", seed: 1), bob = try Account("messenger:bob", seed: 2)
        var trusted = Trusted()
        let first = try trusted.accept(try alice.list(1, []), for: alice.user)
        #expect(first.added.map(\.deviceID) == [DeviceID(1)] && first.removed.isEmpty && !first.identityChanged)
        let bobs = try bob.list(1, [2]).verified(for: bob.user)
        let before = try Fingerprint(iterations: 32, local: try #require(trusted.list), remote: bobs)

        let linked = try trusted.accept(try alice.list(2, [2, 3]), for: alice.user)
        #expect(linked.added.map(\.deviceID) == [DeviceID(2), DeviceID(3)] && linked.safetyNumberChanged)
        #expect(trusted.list?.addresses.map(\.description) == ["whatsapp:alice/1", "whatsapp:alice/2", "whatsapp:alice/3"])
        let afterLink = try Fingerprint(iterations: 32, local: try #require(trusted.list), remote: bobs)
        #expect(afterLink.displayable != before.displayable)
        let bobsView = try Fingerprint(iterations: 32, local: bobs, remote: try #require(trusted.list))
        #expect(bobsView.displayable == afterLink.displayable)
        #expect(try afterLink.matchesScanned(bobsView.scannable))

        let removed = try trusted.accept(try alice.list(3, [3]), for: alice.user)
        #expect(removed.removed.map(\.deviceID) == [DeviceID(2)] && removed.added.isEmpty)
        let afterRemoval = try Fingerprint(iterations: 32, local: try #require(trusted.list), remote: bobs)
        #expect(afterRemoval.displayable != afterLink.displayable)

        let again = try trusted.accept(try alice.list(3, [3]), for: alice.user)
        #expect(!again.safetyNumberChanged)
    }

    @Test("a new primary identity starts over and is reported as an identity change")
    func newPrimary() throws {
        let alice = try Account("whatsapp:alice", seed: 1), reinstalled = try Account("whatsapp:alice", seed: 99)
        var trusted = Trusted()
        _ = try trusted.accept(try alice.list(7, [2]), for: alice.user)
        let change = try trusted.accept(try reinstalled.list(1, []), for: alice.user)
        #expect(change.identityChanged && change.safetyNumberChanged)
        #expect(trusted.list?.primaryIdentity == reinstalled.primary.identityKey && trusted.list?.version == 1)
        // The old primary's lists are now just another identity: accepted only as another change.
        #expect(try trusted.accept(try alice.list(8, [2]), for: alice.user).identityChanged)
    }

    @Test("rollback, equivocation, the wrong user and unsigned lists are refused, leaving the trusted list")
    func versionRules() throws {
        let alice = try Account("whatsapp:alice", seed: 1), bob = try Account("messenger:bob", seed: 2)
        var trusted = Trusted()
        _ = try trusted.accept(try alice.list(5, [2]), for: alice.user)
        expectRefused(.rollback, try alice.list(4, [2]), for: alice.user, trusted: &trusted)
        expectRefused(.conflictingVersion, try alice.list(5, [3]), for: alice.user, trusted: &trusted)
        expectRefused(.wrongUser, try bob.list(6, []), for: alice.user, trusted: &trusted)
        let good = try alice.list(6, [2])
        expectRefused(.unsigned, SignedDeviceList(list: good.list, signature: []), for: alice.user, trusted: &trusted)
        let forged = SignedDeviceList(list: good.list, signature: alice.pair(2).signature(for: SignedDeviceList.label + good.list))
        expectRefused(.invalidSignature, forged, for: alice.user, trusted: &trusted)
        for index in good.list.indices {
            var tampered = good.list
            tampered[index] ^= 0x01
            let before = trusted.list
            #expect(throws: DeviceListError.self) { _ = try trusted.accept(SignedDeviceList(list: tampered, signature: good.signature), for: alice.user) }
            #expect(trusted.list == before)
        }
        #expect(try trusted.accept(good, for: alice.user).current.version == 6)
    }

    @Test("duplicates, too many devices and bad attestations are refused when the list is made")
    func listRules() throws {
        let alice = try Account("whatsapp:alice", seed: 1), bob = try Account("messenger:bob", seed: 2)
        let two = try alice.attestation(2, alice.pair(2))
        #expect(throws: DeviceListError(.duplicateDevice, "")) {
            try DeviceList(user: alice.user, version: 1, primary: alice.primaryIdentity, companions: [two, two])
        }
        #expect(throws: DeviceListError(.duplicateIdentity, "")) {
            try DeviceList(user: alice.user, version: 1, primary: alice.primaryIdentity, companions: [two, try alice.attestation(4, alice.pair(2))])
        }
        let sixteen = try (2...17).map { id throws in try alice.attestation(UInt32(id), alice.pair(UInt32(id))) }
        #expect(throws: DeviceListError(.tooManyDevices, "")) {
            try DeviceList(user: alice.user, version: 1, primary: alice.primaryIdentity, companions: sixteen)
        }
        #expect(try DeviceList(user: alice.user, version: 1, primary: alice.primaryIdentity, companions: Array(sixteen.dropLast())).devices.count
            == DeviceList.maximumDeviceCount)
        // Bob's primary cannot vouch for Alice's companion, and a companion of Bob's cannot join Alice's list.
        let approvedByBob = DeviceAttestation.accountSignature(for: try alice.identity(2, alice.pair(2)), by: bob.primary)
        #expect(throws: DeviceListError(.invalidAttestation, "")) {
            try DeviceAttestation(countersigning: try alice.identity(2, alice.pair(2)), accountSignature: approvedByBob,
                                  primary: alice.primary.identityKey, companion: alice.pair(2))
        }
        #expect(throws: DeviceListError(.invalidAttestation, "")) {
            try DeviceAttestation(countersigning: try alice.identity(2, alice.pair(2)),
                                  accountSignature: DeviceAttestation.accountSignature(for: try alice.identity(2, alice.pair(2)), by: alice.primary),
                                  primary: alice.primary.identityKey, companion: alice.pair(3))
        }
        let bobsCompanion = try bob.attestation(2, bob.pair(2))
        #expect(throws: DeviceListError(.wrongUser, "")) {
            try DeviceList(user: alice.user, version: 1, primary: alice.primaryIdentity, companions: [bobsCompanion])
        }
        // An attestation from one primary does not verify under another.
        #expect(throws: DeviceListError(.invalidAttestation, "")) {
            try DeviceList(user: bob.user, version: 1, primary: bob.primaryIdentity,
                           companions: [try alice.attestation(2, alice.pair(2))].map { _ in bobsCompanion } + [try Account("messenger:bob", seed: 3).attestation(3, bob.pair(3))])
        }
        #expect(throws: DeviceListError(.invalidDevice, "")) {
            try DeviceIdentity(user: alice.user, deviceID: DeviceID(128), registrationID: RegistrationID(rawValue: 1)!,
                               identityKey: alice.primary.identityKey, addedAt: 0)
        }
        #expect(throws: DeviceListError(.invalidSignature, "")) {
            try DeviceList(user: alice.user, version: 1, primary: alice.primaryIdentity, companions: []).signed(by: alice.pair(2))
        }
    }

    @Test("the user-level safety number ignores listing order and matches its formula")
    func safetyNumberFormula() throws {
        let alice = try Account("whatsapp:alice", seed: 1), bob = try Account("messenger:bob", seed: 2)
        let a = try alice.list(1, [3, 2]).verified(for: alice.user), b = try bob.list(1, []).verified(for: bob.user)
        #expect(a.contents.companions.map(\.identity.deviceID) == [DeviceID(2), DeviceID(3)])
        let keys = Fingerprint.keyBytes(a)
        #expect(keys.count == 3 * 34 && keys[0] == 1 && keys[34] == 2 && keys[68] == 3)
        let fingerprint = try Fingerprint(iterations: 16, local: a, remote: b)
        let manual = try Fingerprint(iterations: 16, version: Fingerprint.scannableVersion,
                                     localStableID: Array("whatsapp:alice".utf8), localKeys: keys,
                                     remoteStableID: Array("messenger:bob".utf8), remoteKeys: Fingerprint.keyBytes(b))
        #expect(fingerprint == manual && fingerprint.displayable.count == 60)
    }
}
