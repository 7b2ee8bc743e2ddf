import BenchmarkSupport
import Crosswire
import CrosswireWire
import Foundation
import Glibc

// crosswire-profile: one scenario in a loop, for valgrind's callgrind, whose instruction counts are
// stable on a noisy VM where clocks are not. `../scripts/profile.sh` runs it twice (N and 2N
// operations) and reports the difference per operation, so set-up cancels out.
// Usage: crosswire-profile prepare DIR             (records of a fresh conversation, natively)
//        crosswire-profile SCENARIO COUNT DIR      (under valgrind; synchronous)
// Scenarios: encrypt_100, decrypt_100, encrypt_1k, decrypt_1k, record_parse_setup,
// record_serialize_setup, encrypt_100_persisted, decrypt_100_persisted.
// The measured run never touches Swift concurrency: valgrind 3.19 (Debian's) crashes on its threads,
// so the conversation is made by `prepare` and read back from files.

func device(_ name: String) -> (InMemorySignalProtocolStore, ProtocolAddress, IdentityKeyPair) {
    let identity = IdentityKeyPair.generate()
    return (InMemorySignalProtocolStore(identity: identity, registrationID: RegistrationID(rawValue: 7)!), ProtocolAddress(name: name, deviceID: DeviceID(1)), identity)
}

/// Alice's record right after setup and the records of a steady-state conversation.
func conversation() async throws -> (setup: SessionRecord, alice: SessionRecord, bob: SessionRecord) {
    let (aliceStore, aliceAddress, _) = device("alice")
    let (bobStore, bobAddress, bobIdentity) = device("bob")
    let signed = SignedPreKey.generate(id: SignedPreKeyID(1), signedBy: bobIdentity, timestamp: 0)
    let oneTime = OneTimePreKey.generateBatch(startingAt: PreKeyID(1), count: 1)[0]
    try await bobStore.storeSignedPreKey(signed)
    try await bobStore.storePreKey(oneTime)
    let bundle = try PreKeyBundle(publishing: bobIdentity.identityKey, registrationID: RegistrationID(rawValue: 7)!, deviceID: DeviceID(1),
                                  signedPreKey: signed, oneTimePreKey: oneTime)
    let alice = SessionCipher(store: aliceStore, address: bobAddress), bob = SessionCipher(store: bobStore, address: aliceAddress)
    try await alice.process(bundle)
    let setup = await aliceStore.session(for: bobAddress)!
    let first = try await alice.encrypt([UInt8](repeating: 0x61, count: 100))
    _ = try await bob.decrypt(first.serialized, kind: first.kind)
    let reply = try await bob.encrypt([2])
    _ = try await alice.decrypt(reply.serialized, kind: reply.kind)
    return (setup, await aliceStore.session(for: bobAddress)!, await bobStore.session(for: aliceAddress)!)
}

let arguments = CommandLine.arguments
let names = ["setup", "alice", "bob"]
if arguments.count == 3, arguments[1] == "prepare" {
    let directory = arguments[2]
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let (setup, alice, bob) = try! await conversation()
        for (name, record) in zip(names, [setup, alice, bob]) {
            try! Data(record.serialized).write(to: URL(fileURLWithPath: "\(directory)/\(name).record"))
        }
        done.signal()
    }
    done.wait()
    exit(0)
}
guard arguments.count == 4, let count = Int(arguments[2]) else {
    print("usage: crosswire-profile prepare DIR | crosswire-profile SCENARIO COUNT DIR")
    exit(2)
}
let scenario = arguments[1]
let loaded = try names.map { try SessionRecord(serialized: [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(arguments[3])/\($0).record")))) }
var (setupRecord, alice, bob) = (loaded[0], loaded[1], loaded[2])
let size = scenario.hasSuffix("_1k") ? 1024 : 100
let payload = [UInt8](repeating: 0x61, count: size)
// Messages for the decrypt scenarios are made first, the same number in every run (the largest COUNT,
// CROSSWIRE_PROFILE_MESSAGES), so that their cost cancels in the difference of two runs.
var messages: [SignalMessage] = []
if scenario.hasPrefix("decrypt") {
    let made = max(count, ProcessInfo.processInfo.environment["CROSSWIRE_PROFILE_MESSAGES"].flatMap(Int.init) ?? count)
    messages.reserveCapacity(made)
    for _ in 0..<made {
        guard case .signal(let m) = try alice.encrypt(payload) else { fatalError("expected a SignalMessage") }
        messages.append(m)
    }
}
var sink = 0
switch scenario {
case "encrypt_100", "encrypt_1k":
    for _ in 0..<count { blackHole(try alice.encrypt(payload)) }
case "decrypt_100", "decrypt_1k":
    for message in messages.prefix(count) { sink &+= try bob.decrypt(message).count }
case "record_parse_setup":
    let bytes = setupRecord.serialized
    for _ in 0..<count { blackHole(try SessionRecord(serialized: bytes)) }
case "record_serialize_setup":
    for _ in 0..<count { sink &+= setupRecord.serialized.count }
case "encrypt_100_persisted":
    var bytes = alice.serialized
    for _ in 0..<count {
        var record = try SessionRecord(serialized: bytes)
        blackHole(try record.encrypt(payload))
        bytes = record.serialized
    }
case "decrypt_100_persisted":
    var bytes = bob.serialized
    for message in messages.prefix(count) {
        var record = try SessionRecord(serialized: bytes)
        sink &+= try record.decrypt(message).count
        bytes = record.serialized
    }
default:
    print("unknown scenario \(scenario)")
    exit(2)
}
blackHole(sink)
