import Benchmark
import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

// package-benchmark suite: CPU time and allocations per operation, with checked-in allocation
// thresholds (Thresholds/) so that an allocation regression fails even on a noisy machine.
// Run: swift package benchmark            Check: swift package benchmark thresholds check

let payload100 = [UInt8](repeating: 0x61, count: 100)
let payload1k = [UInt8](repeating: 0x62, count: 1024)
let payload64k = [UInt8](repeating: 0x63, count: 65536)

/// Synchronous session setup on records (no stores), for benchmarks that need a fresh pair.
func sessionPair() async throws -> (SessionRecord, SessionRecord) {
    let aliceIdentity = IdentityKeyPair.generate(), bobIdentity = IdentityKeyPair.generate()
    let aliceStore = InMemorySignalProtocolStore(identity: aliceIdentity, registrationID: RegistrationID(rawValue: 1)!)
    let bobStore = InMemorySignalProtocolStore(identity: bobIdentity, registrationID: RegistrationID(rawValue: 2)!)
    let aliceAddress = ProtocolAddress(name: "alice", deviceID: DeviceID(1)), bobAddress = ProtocolAddress(name: "bob", deviceID: DeviceID(1))
    let signed = SignedPreKey.generate(id: SignedPreKeyID(1), signedBy: bobIdentity, timestamp: 0)
    try await bobStore.storeSignedPreKey(signed)
    let alice = SessionCipher(store: aliceStore, address: bobAddress), bob = SessionCipher(store: bobStore, address: aliceAddress)
    try await alice.process(try PreKeyBundle(publishing: bobIdentity.identityKey, registrationID: RegistrationID(rawValue: 2)!,
                                             deviceID: DeviceID(1), signedPreKey: signed))
    let first = try await alice.encrypt([1])
    _ = try await bob.decrypt(first.serialized, kind: first.kind)
    let reply = try await bob.encrypt([2])
    _ = try await alice.decrypt(reply.serialized, kind: reply.kind)
    return (await aliceStore.session(for: bobAddress)!, await bobStore.session(for: aliceAddress)!)
}

/// The envelope of a 100-byte SignalMessage between two apps' devices, stamped by the server.
func crossAppEnvelope() throws -> Envelope {
    try Envelope(kind: .signalMessage, recipient: try DeviceAddress(parsing: "messenger:bob/1"),
                 sender: try DeviceAddress(parsing: "whatsapp:alice/2"), messageID: .random(),
                 serverTimestamp: 1_764_590_400_000, ciphertext: [0x33] + [UInt8](repeating: 0x5a, count: 160))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.cpuTotal, .wallClock, .mallocCountTotal, .throughput],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000,
        // Allocation counts are per 1000 operations for the scaled benchmarks: 150 = 0.15 per operation,
        // so one extra allocation per message fails the check while harness noise does not.
        thresholds: [.mallocCountTotal: .init(relative: [.p90: 10.0], absolute: [.p90: 150])]
    )

    // Primitives
    let keyPair = ECKeyPair.generate(), other = ECKeyPair.generate()
    Benchmark("Primitive: X25519 agreement") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try keyPair.privateKey.sharedSecret(with: other.publicKey)) }
    }
    Benchmark("Primitive: X25519 key generation") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(ECKeyPair.generate()) }
    }
    let signature = keyPair.privateKey.signature(for: payload100)
    Benchmark("Primitive: XEdDSA sign, 100 B") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(keyPair.privateKey.signature(for: payload100)) }
    }
    Benchmark("Primitive: XEdDSA verify, 100 B") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(keyPair.publicKey.isValidSignature(signature, for: payload100)) }
    }
    let hmacKey = HMACKey(rawKey: [UInt8](repeating: 1, count: 32))
    Benchmark("Primitive: HMAC-SHA256, 32 B, keyed state") { benchmark in
        let data = [UInt8](repeating: 2, count: 32)
        for _ in benchmark.scaledIterations { blackHole(hmacKey.authenticationCode(for: data)) }
    }
    Benchmark("Primitive: HKDF-SHA256 to 80 B") { benchmark in
        let ikm = [UInt8](repeating: 3, count: 32), info = Array("WhisperMessageKeys".utf8)
        for _ in benchmark.scaledIterations { blackHole(try HKDF.deriveKey(inputKeyMaterial: ikm, info: info, outputByteCount: 80)) }
    }
    let aesKey = SecretBytes([UInt8](repeating: 4, count: 32)), iv = [UInt8](repeating: 5, count: 16)
    Benchmark("Primitive: AES-256-CBC encrypt, 100 B") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try AES256CBC.encrypt(payload100, key: aesKey, iv: iv)) }
    }

    // Sessions
    Benchmark("Session: setup (bundle, initiator, first message, responder, reply)",
              configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try await sessionPair()) }
    }
    for (label, payload) in [("100 B", payload100), ("1 KiB", payload1k), ("64 KiB", payload64k)] {
        Benchmark("Session: encrypt on an existing chain, \(label)") { benchmark in
            var (alice, _) = try await sessionPair()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(try alice.encrypt(payload)) }
        }
        Benchmark("Session: decrypt on an existing chain, \(label)") { benchmark in
            var (alice, bob) = try await sessionPair()
            var messages: [SignalMessage] = []
            for _ in benchmark.scaledIterations {
                guard case .signal(let m) = try alice.encrypt(payload) else { fatalError() }
                messages.append(m)
            }
            benchmark.startMeasurement()
            for message in messages { blackHole(try bob.decrypt(message)) }
        }
    }
    Benchmark("Session: DH ratchet step (ping-pong, two messages)", configuration: .init(scalingFactor: .one)) { benchmark in
        var (alice, bob) = try await sessionPair()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            guard case .signal(let a) = try alice.encrypt(payload100) else { fatalError() }
            blackHole(try bob.decrypt(a))
            guard case .signal(let b) = try bob.encrypt(payload100) else { fatalError() }
            blackHole(try alice.decrypt(b))
        }
    }
    for gap in [10, 100, 1000] {
        Benchmark("Session: out-of-order decrypt after a gap of \(gap)", configuration: .init(scalingFactor: .one)) { benchmark in
            for _ in benchmark.scaledIterations {
                benchmark.stopMeasurement()
                var (alice, bob) = try await sessionPair()
                var messages: [SignalMessage] = []
                for _ in 0...gap { guard case .signal(let m) = try alice.encrypt(payload100) else { fatalError() }; messages.append(m) }
                benchmark.startMeasurement()
                for message in messages.reversed() { blackHole(try bob.decrypt(message)) }
            }
        }
    }
    Benchmark("Session: record serialize + deserialize") { benchmark in
        let (alice, _) = try await sessionPair()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try SessionRecord(serialized: alice.serialized)) }
    }

    // Cross-app
    Benchmark("Cross-app: envelope encode, 100 B message") { benchmark in
        let envelope = try crossAppEnvelope()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(envelope.serialized) }
    }
    Benchmark("Cross-app: envelope decode, 100 B message") { benchmark in
        let bytes = try crossAppEnvelope().serialized
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try Envelope(serialized: bytes)) }
    }
    Benchmark("Cross-app: content unpad + decode, 100 B text") { benchmark in
        let padded = try Content.text(String(repeating: "a", count: 100), at: 1).padded
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try Content(padded: padded)) }
    }

    // Groups
    Benchmark("Group: encrypt + sign, 100 B") { benchmark in
        let store = InMemorySignalProtocolStore(identity: .generate(), registrationID: RegistrationID(rawValue: 1)!)
        let cipher = GroupCipher(store: store, localAddress: ProtocolAddress(name: "s", deviceID: DeviceID(1)))
        let group = [UInt8](repeating: 1, count: 16)
        _ = try await cipher.distributionMessage(for: group)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try await cipher.encrypt(payload100, groupID: group)) }
    }

    // PQXDH
    Benchmark("PQXDH: KEM prekey generation (ML-KEM-1024, signed)", configuration: .init(scalingFactor: .one)) { benchmark in
        let identity = IdentityKeyPair.generate()
        for _ in benchmark.scaledIterations { blackHole(KEMPreKey.generate(id: KEMPreKeyID(1), signedBy: identity, timestamp: 0, lastResort: false)) }
    }
}
