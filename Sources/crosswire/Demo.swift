import ArgumentParser
import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation

/// `crosswire demo`: users of three apps with several devices talk across apps (`CrossAppDemo`);
/// `--session` shows one Signal session in detail instead: a Messenger device and a WhatsApp device
/// set up a session and talk, with the wire bytes annotated, one message arriving late, and the
/// safety number both sides compute.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Three apps, several devices each: 1:1 and group messages, linking and removing devices, annotated envelopes (--session: one session in detail)."
    )

    @Option(name: .long, help: "Seed for reproducible keys (default: fresh randomness).")
    var seed: UInt64?

    @Flag(name: .long, help: "Show one Signal session in detail instead: bundle, X3DH, messages (one late), safety numbers, wire bytes.")
    var session = false

    func run() async throws {
        if !session {
            var demo = CrossAppDemo(seed: seed)
            try await demo.run()
            return
        }
        let bobEntropy: any EntropySource = seed.map { SeededEntropy(seed: $0 &* 2) } ?? SystemEntropy()
        let aliceEntropy: any EntropySource = seed.map { SeededEntropy(seed: $0 &* 2 &+ 1) } ?? SystemEntropy()

        section("1. Bob (WhatsApp, device 1) creates his identity and publishes a prekey bundle")
        let bobIdentity = IdentityKeyPair.generate(using: bobEntropy)
        let bobRegistration = RegistrationID.generate(using: bobEntropy)
        let bobStore = InMemorySignalProtocolStore(identity: bobIdentity, registrationID: bobRegistration)
        let signed = SignedPreKey.generate(id: SignedPreKeyID(1), signedBy: bobIdentity, timestamp: 0, using: bobEntropy)
        let oneTime = OneTimePreKey.generateBatch(startingAt: PreKeyID(100), count: 1, using: bobEntropy)[0]
        try await bobStore.storeSignedPreKey(signed)
        try await bobStore.storePreKey(oneTime)
        line("identity key        ", Hex.encode(bobIdentity.identityKey.serialized))
        line("registration id     ", String(bobRegistration.rawValue))
        line("signed prekey #1    ", Hex.encode(signed.keyPair.publicKey.serialized))
        line("  XEdDSA signature  ", Hex.encode(signed.signature))
        line("one-time prekey #100", Hex.encode(oneTime.keyPair.publicKey.serialized))

        section("2. Alice (Messenger, device 3) fetches the bundle, checks its signature and runs X3DH")
        let aliceIdentity = IdentityKeyPair.generate(using: aliceEntropy)
        let aliceRegistration = RegistrationID.generate(using: aliceEntropy)
        let aliceStore = InMemorySignalProtocolStore(identity: aliceIdentity, registrationID: aliceRegistration)
        let aliceAddress = ProtocolAddress(name: "messenger/alice", deviceID: DeviceID(3))
        let bobAddress = ProtocolAddress(name: "whatsapp/bob", deviceID: DeviceID(1))
        let bundle = try PreKeyBundle(
            publishing: bobIdentity.identityKey, registrationID: bobRegistration, deviceID: DeviceID(1),
            signedPreKey: signed, oneTimePreKey: oneTime)
        let alice = SessionCipher(store: aliceStore, address: bobAddress, entropy: aliceEntropy)
        let bob = SessionCipher(store: bobStore, address: aliceAddress, entropy: bobEntropy)
        try await alice.process(bundle)
        print("signature verified; master secret = 0xFF×32 ‖ DH(IK_A,SPK_B) ‖ DH(EK_A,IK_B) ‖ DH(EK_A,SPK_B) ‖ DH(EK_A,OPK_B)")
        print("HKDF(…, \"WhisperText\") → root key + chain key; Alice ratchets once to get her sending chain")

        section("3. Alice sends two messages; until Bob replies, each travels as a PreKeySignalMessage")
        let first = try await alice.encrypt(Array("Hi Bob, it's Alice from Messenger!".utf8))
        let second = try await alice.encrypt(Array("(this one will arrive late)".utf8))
        print("message 1: type \(first.kind.rawValue), \(first.serialized.count) bytes")
        WireAnnotator.annotate(first.serialized, as: .preKey)

        section("4. Bob receives message 1 (message 2 is delayed in the network)")
        let text1 = try await bob.decrypt(first.serialized, kind: first.kind)
        print("Bob reads: \(String(decoding: text1, as: UTF8.self))")
        print("Bob's one-time prekey #100 is now deleted: \(await bobStore.preKey(id: oneTime.id) == nil)")

        section("5. Bob replies: a plain SignalMessage on a new DH ratchet step")
        let reply = try await bob.encrypt(Array("Hello Alice! WhatsApp here.".utf8))
        print("reply: type \(reply.kind.rawValue), \(reply.serialized.count) bytes")
        WireAnnotator.annotate(reply.serialized, as: .signal)
        let text2 = try await alice.decrypt(reply.serialized, kind: reply.kind)
        print("Alice reads: \(String(decoding: text2, as: UTF8.self))")

        section("6. The late message arrives: its skipped key was kept, so it still decrypts")
        let late = try await bob.decrypt(second.serialized, kind: second.kind)
        print("Bob reads: \(String(decoding: late, as: UTF8.self))")
        do {
            _ = try await bob.decrypt(second.serialized, kind: second.kind)
        } catch {
            print("delivering it again fails as it should: \(error)")
        }
        let third = try await alice.encrypt(Array("Now we are in a plain ratchet.".utf8))
        print("Alice's next message is type \(third.kind.rawValue): \(String(decoding: try await bob.decrypt(third.serialized, kind: third.kind), as: UTF8.self))")

        section("7. Safety numbers: both sides compute the same 60 digits")
        let aliceView = try Fingerprint(localStableID: Array(aliceAddress.name.utf8), localIdentity: aliceIdentity.identityKey,
                                        remoteStableID: Array(bobAddress.name.utf8), remoteIdentity: bobIdentity.identityKey)
        let bobView = try Fingerprint(localStableID: Array(bobAddress.name.utf8), localIdentity: bobIdentity.identityKey,
                                      remoteStableID: Array(aliceAddress.name.utf8), remoteIdentity: aliceIdentity.identityKey)
        print("Alice sees: \(grouped(aliceView.displayable))")
        print("Bob sees:   \(grouped(bobView.displayable))")
        print("QR codes match: \(try aliceView.matchesScanned(bobView.scannable))")

        section("8. What each side stores")
        let aliceRecord = await aliceStore.session(for: bobAddress)!
        let bobRecord = await bobStore.session(for: aliceAddress)!
        print("Alice's session record: \(aliceRecord.serialized.count) bytes; Bob's: \(bobRecord.serialized.count) bytes")
        print("(descriptions never show secrets: \(bobIdentity))")
    }

    func section(_ title: String) { print("\n== \(title)") }
    func line(_ label: String, _ value: String) { print("\(label) \(value)") }
    func grouped(_ digits: String) -> String { Self.grouped(digits) }

    /// Safety-number digits in groups of five, as apps show them.
    static func grouped(_ digits: String) -> String {
        stride(from: 0, to: digits.count, by: 5).map { offset in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return String(digits[start..<digits.index(start, offsetBy: 5)])
        }.joined(separator: " ")
    }
}

/// Prints a message field by field (offsets, tags, meaning).
enum WireAnnotator {
    enum Kind { case signal, preKey }

    static let preKeyNames = [1: "pre_key_id", 2: "base_key", 3: "identity_key", 4: "message (SignalMessage)",
                              5: "registration_id", 6: "signed_pre_key_id"]
    static let signalNames = [1: "ratchet_key", 2: "counter", 3: "previous_counter", 4: "ciphertext (AES-256-CBC)"]

    static func annotate(_ bytes: [UInt8], as kind: Kind, indent: String = "  ") {
        let version = bytes[0]
        print("\(indent)[0]      \(Hex.encode([version]))  version byte: message v\(version >> 4), sender supports up to v\(version & 0x0f)")
        let end = kind == .signal ? bytes.count - 8 : bytes.count
        var reader = ProtobufReader(bytes[1..<end])
        var offset = 1
        let names = kind == .signal ? signalNames : preKeyNames
        while let field = try? reader.next() {
            let name = names[field.number] ?? "unknown field \(field.number)"
            switch field.value {
            case .varint(let value):
                let size = varintSize(UInt64(field.number) << 3) + varintSize(value)
                print("\(indent)[\(offset)]\(pad(offset))\(Hex.encode(bytes[offset..<offset + size]))  \(name) = \(value)")
                offset += size
            case .bytes(let value):
                let header = varintSize(UInt64(field.number) << 3 | 2) + varintSize(UInt64(value.count))
                let preview = value.count > 12 ? Hex.encode(value.prefix(12)) + "…" : Hex.encode(value)
                print("\(indent)[\(offset)]\(pad(offset))\(Hex.encode(bytes[offset..<offset + header])) \(preview)  \(name), \(value.count) bytes")
                if kind == .preKey, field.number == 4 {
                    annotate(Array(value), as: .signal, indent: indent + "    ")
                }
                offset += header + value.count
            default:
                offset = end
            }
        }
        if kind == .signal {
            print("\(indent)[\(end)]\(pad(end))\(Hex.encode(bytes[end...]))  MAC: HMAC-SHA256(mac key, sender identity ‖ receiver identity ‖ bytes before), first 8 bytes")
        }
    }

    static func pad(_ offset: Int) -> String { String(repeating: " ", count: max(1, 7 - String(offset).count)) }

    static func varintSize(_ value: UInt64) -> Int {
        var v = value, n = 1
        while v >= 0x80 { v >>= 7; n += 1 }
        return n
    }
}
