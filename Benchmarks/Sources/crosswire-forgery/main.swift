import BenchmarkSupport
import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

// What refusing one forged SignalMessage costs (SECURITY.md, "Bounds"): a record holding 1 or 41 states
// (current + 40 archived, all started from the same signed prekey, so every state has a receiving chain
// on the same ratchet key), and forgeries shaped to make each state work as hard as the limits allow.
// Usage: swift run -c release crosswire-forgery [--json]

let json = CommandLine.arguments.contains("--json")

/// Alice's record after `count` sessions with Bob (each `process` archives the previous state).
func record(states count: Int) async throws -> (SessionRecord, ECPublicKey) {
    let entropy = SeededEntropy(seed: 7)
    let bobIdentity = IdentityKeyPair.generate(using: entropy)
    let signed = SignedPreKey.generate(id: SignedPreKeyID(1), signedBy: bobIdentity, timestamp: 0, using: entropy)
    let alice = InMemorySignalProtocolStore(identity: IdentityKeyPair.generate(using: entropy), registrationID: RegistrationID(rawValue: 1)!)
    let bob = ProtocolAddress(name: "bob", deviceID: DeviceID(1))
    let cipher = SessionCipher(store: alice, address: bob, entropy: entropy)
    for _ in 0..<count {
        try await cipher.process(try PreKeyBundle(
            publishing: bobIdentity.identityKey, registrationID: RegistrationID(rawValue: 2)!, deviceID: DeviceID(1),
            signedPreKey: signed))
    }
    return (await alice.session(for: bob)!, signed.keyPair.publicKey)
}

func forged(version: MessageVersion, ratchetKey: ECPublicKey, counter: UInt32) -> SignalMessage {
    SignalMessage(version: version, ratchetKey: ratchetKey.serialized, counter: counter, previousCounter: 0,
                  ciphertext: [UInt8](repeating: 0x42, count: 112)) { _ in [UInt8](repeating: 0, count: 8) }
}

var rows: [Measurement] = []
let fresh = ECKeyPair.generate(using: SeededEntropy(seed: 9)).publicKey
let jump = SessionLimits.chain.maxForwardJump
for states in [1, 41] {
    let (base, chainKey) = try await record(states: states)
    let version = base.current!.sessionVersion
    let shapes: [(String, SignalMessage)] = [
        ("existing chain, counter \(jump) (the jump limit)", forged(version: version, ratchetKey: chainKey, counter: jump)),
        ("existing chain, counter 32 (the archived allowance)", forged(version: version, ratchetKey: chainKey, counter: 32)),
        ("new ratchet key, counter \(jump) (the jump limit)", forged(version: version, ratchetKey: fresh, counter: jump)),
        ("new ratchet key, counter 32", forged(version: version, ratchetKey: fresh, counter: 32)),
        ("new ratchet key, counter 0", forged(version: version, ratchetKey: fresh, counter: 0)),
    ]
    for (name, message) in shapes {
        rows.append(measure("refuse one forged message, \(states) state\(states == 1 ? "" : "s")", name, role: .crosswire,
                            repetitions: 5, targetMs: 200) {
            var copy = base
            do {
                _ = try copy.decrypt(message)
                fatalError("a forged message decrypted")
            } catch {
                blackHole(error)
            }
        })
    }
}
printTable(rows, json: json)
