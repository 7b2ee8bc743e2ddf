import Testing
import Crosswire

/// The README's quick start, compiled and run as written (only the plaintext is checked at the end).
@Suite("README quick start")
struct QuickStartTests {
    @Test("the quick start compiles and Bob reads Alice's message")
    func quickStart() async throws {
        let bobIdentity = IdentityKeyPair.generate()
        let bobStore = InMemorySignalProtocolStore(identity: bobIdentity, registrationID: RegistrationID.generate())
        let signed = SignedPreKey.generate(id: SignedPreKeyID(1), signedBy: bobIdentity, timestamp: 0)
        let oneTime = OneTimePreKey.generateBatch(startingAt: PreKeyID(1), count: 1)[0]
        try await bobStore.storeSignedPreKey(signed)
        try await bobStore.storePreKey(oneTime)
        let bobRegistration = await bobStore.localRegistrationID()
        let bundle = try PreKeyBundle(publishing: bobIdentity.identityKey, registrationID: bobRegistration,
                                      deviceID: DeviceID(1), signedPreKey: signed, oneTimePreKey: oneTime)

        let aliceStore = InMemorySignalProtocolStore(identity: IdentityKeyPair.generate(), registrationID: RegistrationID.generate())
        let alice = SessionCipher(store: aliceStore, address: ProtocolAddress(name: "whatsapp:bob", deviceID: DeviceID(1)))
        try await alice.process(bundle)
        let message = try await alice.encrypt(Array("hi".utf8))

        let bob = SessionCipher(store: bobStore, address: ProtocolAddress(name: "messenger:alice", deviceID: DeviceID(3)))
        var read: [UInt8] = []
        do {
            read = try await bob.decrypt(message.serialized, kind: message.kind)
        } catch {
            // Typed throws: error is a SessionError; nothing was stored.
            if error.code == .untrustedIdentity { Issue.record("a fresh identity is trusted on first use: \(error.reason)") }
            throw error
        }
        #expect(read == Array("hi".utf8))
    }
}
