@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
@testable import Crosswire

/// A device with its own in-memory stores, for scenario tests.
struct Device {
    let name: String
    let deviceID: DeviceID
    let identity: IdentityKeyPair
    let registrationID: RegistrationID
    let store: InMemorySignalProtocolStore
    let entropy: SeededEntropy

    init(_ name: String, seed: UInt64, deviceID: UInt32 = 1) {
        self.name = name
        self.deviceID = DeviceID(deviceID)
        entropy = SeededEntropy(seed: seed)
        identity = IdentityKeyPair.generate(using: entropy)
        registrationID = RegistrationID.generate(using: entropy)
        store = InMemorySignalProtocolStore(identity: identity, registrationID: registrationID)
    }

    var address: ProtocolAddress { ProtocolAddress(name: name, deviceID: deviceID) }

    func cipher(for peer: Device, requirePostQuantum: Bool = false) -> SessionCipher<InMemorySignalProtocolStore> {
        SessionCipher(store: store, address: peer.address, policy: SessionPolicy(requirePostQuantum: requirePostQuantum), entropy: entropy)
    }

    /// Publishes a bundle (and stores its private halves).
    func bundle(signedID: UInt32 = 1, preKeyID: UInt32? = 100, kemID: UInt32? = nil, lastResort: Bool = false) async throws -> PreKeyBundle {
        let signed = SignedPreKey.generate(id: SignedPreKeyID(signedID), signedBy: identity, timestamp: 0, using: entropy)
        try await store.storeSignedPreKey(signed)
        var preKey: OneTimePreKey?
        if let preKeyID {
            preKey = OneTimePreKey.generateBatch(startingAt: PreKeyID(preKeyID), count: 1, using: entropy)[0]
            try await store.storePreKey(preKey!)
        }
        var kem: KEMPreKey?
        if let kemID {
            kem = KEMPreKey.generate(id: KEMPreKeyID(kemID), signedBy: identity, timestamp: 0, lastResort: lastResort, using: entropy)
            try await store.storeKEMPreKey(kem!)
        }
        return try PreKeyBundle(
            publishing: identity.identityKey, registrationID: registrationID, deviceID: deviceID,
            signedPreKey: signed, oneTimePreKey: preKey, kemPreKey: kem)
    }

    func send(_ text: String, to peer: Device) async throws -> CiphertextMessage {
        try await cipher(for: peer).encrypt(Array(text.utf8))
    }

    func receive(_ message: CiphertextMessage, from peer: Device) async throws -> String {
        String(decoding: try await cipher(for: peer).decrypt(message.serialized, kind: message.kind), as: UTF8.self)
    }

    func record(for peer: Device) async -> SessionRecord? { await store.session(for: peer.address) }
}

/// Alice starts a session with Bob from his bundle; returns the pair ready to talk.
func establishedPair(seed: UInt64 = 1, oneTimePreKey: Bool = true) async throws -> (Device, Device) {
    let alice = Device("alice", seed: seed), bob = Device("bob", seed: seed + 1000)
    try await alice.cipher(for: bob).process(try await bob.bundle(preKeyID: oneTimePreKey ? 100 : nil))
    return (alice, bob)
}
