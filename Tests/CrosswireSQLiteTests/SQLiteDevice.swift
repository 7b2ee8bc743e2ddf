@_spi(Hazmat) import CrosswireCrypto
import CrosswireSQLite
import Foundation
@testable import Crosswire

/// A device whose state lives in a SQLiteStore file, with a few prekeys published.
struct SQLiteDevice {
    let name: String
    let path: String
    let storageKey: SymmetricKey256
    let identity: IdentityKeyPair
    let store: SQLiteStore
    let entropy: SeededEntropy

    var address: ProtocolAddress { ProtocolAddress(name: name, deviceID: DeviceID(1)) }

    static func create(_ name: String, in directory: TemporaryDirectory, seed: UInt64,
                       trustPolicy: TrustPolicy = .refuseChanges) async throws -> SQLiteDevice {
        let entropy = SeededEntropy(seed: seed)
        let key = SymmetricKey256(using: entropy)
        let path = directory.file("\(name).sqlite")
        let store = try SQLiteStore(path: path, storageKey: key, options: .init(trustPolicy: trustPolicy))
        let identity = IdentityKeyPair.generate(using: entropy)
        try await store.createLocalIdentity(identity, registrationID: RegistrationID.generate(using: entropy))
        _ = try await DeviceMaintenance(store: store, policy: PreKeyPolicy(oneTimeMinimum: 2, oneTimeBatch: 4), entropy: entropy).run()
        return SQLiteDevice(name: name, path: path, storageKey: key, identity: identity, store: store, entropy: entropy)
    }

    /// The same file opened again, as after a restart.
    func reopened() throws -> SQLiteDevice {
        SQLiteDevice(name: name, path: path, storageKey: storageKey, identity: identity,
                     store: try SQLiteStore(path: path, storageKey: storageKey), entropy: entropy)
    }

    func bundle() async throws -> PreKeyBundle {
        try await DeviceMaintenance(store: store).bundle(deviceID: DeviceID(1))
    }

    func cipher(for peer: SQLiteDevice) -> SessionCipher<SQLiteStore> {
        SessionCipher(store: store, address: peer.address, entropy: entropy)
    }

    func send(_ text: String, to peer: SQLiteDevice) async throws -> CiphertextMessage {
        try await cipher(for: peer).encrypt(Array(text.utf8))
    }

    func receive(_ message: CiphertextMessage, from peer: SQLiteDevice) async throws -> String {
        String(decoding: try await cipher(for: peer).decrypt(message.serialized, kind: message.kind), as: UTF8.self)
    }
}

/// Alice and Bob on SQLite with a session both ways.
func sqlitePair(in directory: TemporaryDirectory, seed: UInt64) async throws -> (SQLiteDevice, SQLiteDevice) {
    let alice = try await SQLiteDevice.create("alice", in: directory, seed: seed)
    let bob = try await SQLiteDevice.create("bob", in: directory, seed: seed + 1)
    try await alice.cipher(for: bob).process(try await bob.bundle())
    _ = try await bob.receive(try await alice.send("hello", to: bob), from: alice)
    _ = try await alice.receive(try await bob.send("hi", to: alice), from: bob)
    return (alice, bob)
}
