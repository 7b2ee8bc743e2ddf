@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Testing
@testable import Crosswire

/// The profile key a content carries (SPEC §12.5 field 7): round trip, strict length, redaction, and the
/// client attaching its account's key to 1:1, copy and group sends.
@Suite("Content profile key")
struct ContentProfileKeyTests {
    @Test("round trips, refuses other lengths, is redacted, and is attached by the client to what it sends")
    func profileKey() async throws {
        let key = SymmetricKey256(using: SeededEntropy(seed: 3))
        let content = try Content.text("hi", at: 5).carrying(profileKey: key)
        let decoded = try Content(padded: content.padded)
        #expect(decoded.profileKey == key && decoded == content)
        #expect("\(content)".contains("profile key redacted"))
        var writer = ProtobufWriter()
        writer.appendUInt(field: 1, 1)
        writer.appendUInt(field: 2, 5)
        writer.appendBytes(field: 7, [1, 2, 3])
        #expect(throws: EnvelopeError(.invalidField, "")) { try Content(serialized: writer.bytes) }

        let world = CrossAppWorld(seed: 970)
        let alice = try await world.register("whatsapp:alice")
        let laptop = try await world.link(to: alice)
        let bob = try await world.register("messenger:bob")
        // Alice's client carries her profile key; Bob's none.
        let keyed = CrossAppClient(address: alice.address, store: alice.store, directory: world.directory,
                                   policy: SesamePolicy(trustRoot: await world.policy.trustRoot, profileKey: key))
        try await keyed.send(text: "with my profile key", to: bob.address.user)
        let group = try await keyed.createGroup(named: "g", members: [bob.address.user])
        try await keyed.send(text: "in the group", toGroup: group)
        try await world.deliverAll()
        let atBob = await world.inbox[bob.address]?.filter { $0.content.type == .text } ?? []
        #expect(atBob.count == 2 && atBob.allSatisfy { $0.content.profileKey == key })
        let atLaptop = await world.inbox[laptop.address]?.filter { $0.content.type == .text } ?? []
        #expect(atLaptop.first?.content.profileKey == key && atLaptop.first?.isSyncCopy == true)
        try await bob.send(text: "no key here", to: alice.address.user)
        try await world.deliverAll()
        #expect(await world.inbox[alice.address]?.last?.content.profileKey == nil)
    }
}
