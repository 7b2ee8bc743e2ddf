import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation

/// The cross-app scenario of `crosswire demo`: Alice on WhatsApp with a phone and a laptop, Bob on
/// Messenger, Carol on Instagram, all on one in-memory directory.
struct CrossAppDemo {
    typealias Client = CrossAppClient<InMemorySignalProtocolStore, InMemoryDeviceDirectory>

    let seed: UInt64?
    let directory = InMemoryDeviceDirectory(now: Timestamp.now)
    var counter: UInt64 = 0
    var clients: [DeviceAddress: Client] = [:]
    /// Where blobs go: a media store sees only ciphertext and never the key.
    let media = MediaStore()

    /// A media store in memory: blob id → blob.
    final class MediaStore: @unchecked Sendable {
        var blobs: [String: [UInt8]] = [:]
    }

    init(seed: UInt64?) { self.seed = seed }

    mutating func entropy() -> any EntropySource {
        counter += 1
        return seed.map { SeededEntropy(seed: $0 &* 1000 &+ counter) } ?? SystemEntropy()
    }

    mutating func store() -> (InMemorySignalProtocolStore, any EntropySource) {
        let entropy = entropy()
        return (InMemorySignalProtocolStore(identity: .generate(using: entropy), registrationID: .generate(using: entropy)), entropy)
    }

    mutating func register(_ user: String) async throws -> Client {
        let (store, entropy) = store()
        let client = try await Client.registerPrimary(try UserAddress(parsing: user), store: store, directory: directory,
                                                      policy: SesamePolicy(trustRoot: directory.trustRoot), entropy: entropy)
        clients[client.address] = client
        return client
    }

    mutating func link(to primary: Client) async throws -> Client {
        let (store, entropy) = store()
        let request = try await Client.linkRequest(for: primary.address.user, store: store)
        print("  the new device shows: join \(request.user), identity \(Hex.encode(request.identityKey.serialized).prefix(16))…")
        let approval = try await primary.approve(request)
        print("  the primary approves it as device \(approval.identity.deviceID) and signs it (account signature)")
        let (companion, attestation) = try await Client.link(approval, store: store, directory: directory,
                                                             policy: SesamePolicy(trustRoot: directory.trustRoot), entropy: entropy)
        print("  the companion checks that signature and signs back (device signature): \(attestation.serialized.count)-byte attestation")
        let change = try await primary.completeLink(attestation)
        print("  the primary publishes device list version \(change.current.version): \(change.current.addresses.map(\.description).joined(separator: ", "))")
        try await companion.publishKeys()
        clients[companion.address] = companion
        return companion
    }

    /// Delivers every queued envelope; prints one line per message.
    func deliver() async throws {
        var progress = true
        while progress {
            progress = false
            for (address, client) in clients.sorted(by: { $0.key < $1.key }) {
                for envelope in try await directory.pending(for: address) {
                    let message = try await client.receive(envelope)
                    try await directory.acknowledge([envelope.messageID], for: address)
                    progress = true
                    let what: String
                    switch message.content.type {
                    case .text: what = "\"\(String(decoding: message.content.body, as: UTF8.self))\""
                    case .groupUpdate: what = "group state"
                    case .senderKeyDistribution: what = "sender key for the group"
                    case .attachment:
                        let pointer = message.attachment!
                        let blob = media.blobs[pointer.blobID] ?? []
                        let plaintext = try AttachmentCipher.decrypt(blob, expecting: pointer.reference)
                        what = "attachment \(pointer.fileName ?? "?") (\(pointer.contentType), \(pointer.key.format)): fetched blob \(pointer.blobID), "
                            + "\(blob.count) bytes; digest, MAC and SHA-256 checked; \(plaintext.count) bytes of plaintext"
                    default: what = "\(message.content.type)"
                    }
                    let via = envelope.kind == .senderKeyMessage ? " (group ciphertext)" : message.isSyncCopy ? " (copy of own send)"
                        : envelope.kind == .sealedSenderV1 ? " (sealed: the sender was inside)" : ""
                    print("  \(address) ← \(message.sender): \(what)\(via)")
                }
            }
        }
    }

    mutating func run() async throws {
        section("1. Three apps, one directory: Alice on WhatsApp (phone, then a laptop), Bob on Messenger, Carol on Instagram")
        let alice = try await register("whatsapp:alice")
        print("  whatsapp:alice/1 registered: device list v1 signed by its own identity")
        let laptop = try await link(to: alice)
        let bob = try await register("messenger:bob")
        let carol = try await register("instagram:carol")
        print("  messenger:bob/1 and instagram:carol/1 registered")

        section("2. Alice's phone writes to Bob: one envelope per device, Bob's and her own laptop's")
        let report = try await alice.send(text: "Hi Bob, from WhatsApp!", to: bob.address.user)
        print("  encrypted for \(report.devices.map(\.description).joined(separator: ", ")) (message id \(report.messageID))")
        if let envelope = try await directory.pending(for: bob.address).first {
            print("  the envelope for messenger:bob/1, as the relay stores it (\(envelope.serialized.count) bytes; sealed: no sender):")
            EnvelopeAnnotator.annotate(envelope)
        }
        try await deliver()

        section("2b. Alice sends Bob a photo: the blob goes to the media store, its key and digest inside the message")
        let photo = entropy().bytes(48_000)
        let (blob, attachment) = try AttachmentCipher.encrypt(photo, with: AttachmentKey(for: .whatsApp(.image), using: entropy()), using: entropy())
        let blobID = "media/" + Hex.encode(Array(attachment.digest.prefix(8)))
        media.blobs[blobID] = blob
        print("  \(photo.count)-byte photo → \(blob.count)-byte blob (WhatsApp media format, HKDF \"WhatsApp Image Keys\", 10-byte MAC) stored as \(blobID)")
        print("  fileEncSha256 \(Hex.encode(attachment.digest)), fileSha256 \(Hex.encode(attachment.plaintextDigest ?? []))")
        let pointer = try AttachmentPointer(attachment, contentType: "image/jpeg", blobID: blobID, fileName: "beach.jpg")
        try await alice.send(pointer, to: bob.address.user)
        try await deliver()

        section("3. Bob replies: both of Alice's devices read it")
        try await bob.send(text: "Hello Alice! Messenger here.", to: alice.address.user)
        try await deliver()

        section("4. Carol creates a group across the three apps; one ciphertext per message, fanned out")
        let group = try await carol.createGroup(named: "three apps", members: [alice.address.user, bob.address.user])
        try await deliver()
        try await carol.send(text: "Welcome, WhatsApp and Messenger!", toGroup: group)
        try await bob.send(text: "Glad to be here.", toGroup: group)
        try await deliver()

        section("5. Bob links a tablet; Alice's next message meets a 409 and recovers")
        let before = try await alice.safetyNumber(with: bob.address.user)
        _ = try await link(to: bob)
        let second = try await alice.send(text: "Reaching all your devices?", to: bob.address.user)
        print("  \(second.retries) retry after 409; reached \(second.devices.map(\.description).joined(separator: ", "))")
        for event in await alice.takeEvents() { print("  event for Alice: \(event)") }
        let after = try await alice.safetyNumber(with: bob.address.user)
        print("  user-level safety number with Bob before: \(grouped(before.displayable))")
        print("                                    after:  \(grouped(after.displayable))")
        try await deliver()

        section("6. Alice removes her laptop: it is sent nothing more, and the group moves to a new chain")
        try await alice.removeDevice(laptop.address.device)
        clients[laptop.address] = nil
        try await alice.send(text: "The laptop is gone.", toGroup: group)
        try await carol.send(text: "Noted.", toGroup: group)
        try await deliver()
        print("  envelopes queued for the removed laptop: \(try await directory.pending(for: laptop.address).count)")

        section("7. What the relay held: routing and ciphertext only")
        print("  queued now: \(await directory.queuedEnvelopes.count) envelopes; bundles handed out: \(await directory.bundlesServed); "
              + "submissions answered 409/410: \(await directory.refusedSubmissions)")
    }

    func section(_ title: String) { print("\n== \(title)") }
    func grouped(_ digits: String) -> String { Demo.grouped(digits) }
}

/// Prints an envelope field by field (SPEC §12.4).
enum EnvelopeAnnotator {
    static let names = [1: "kind", 2: "recipient", 3: "sender", 4: "message_id", 5: "server_timestamp", 6: "ciphertext"]

    static func annotate(_ envelope: Envelope, indent: String = "    ") {
        let bytes = envelope.serialized
        print("\(indent)[0]      01  envelope version 1")
        var reader = ProtobufReader(bytes[1...])
        var offset = 1
        while let field = try? reader.next() {
            let name = names[field.number] ?? "field \(field.number)"
            switch field.value {
            case .varint(let value):
                let size = WireAnnotator.varintSize(UInt64(field.number) << 3) + WireAnnotator.varintSize(value)
                let meaning = field.number == 1 ? " (\(CiphertextKind(rawValue: UInt32(value)).map(String.init(describing:)) ?? "?"))" : ""
                print("\(indent)[\(offset)]\(WireAnnotator.pad(offset))\(Hex.encode(bytes[offset..<offset + size]))  \(name) = \(value)\(meaning)")
                offset += size
            case .bytes(let value):
                let header = WireAnnotator.varintSize(UInt64(field.number) << 3 | 2) + WireAnnotator.varintSize(UInt64(value.count))
                let preview = value.count > 12 ? Hex.encode(value.prefix(12)) + "…" : Hex.encode(value)
                var meaning = ""
                if field.number == 2 || field.number == 3, let address = try? DeviceAddress(serialized: value) { meaning = " = \(address)" }
                if field.number == 6 {
                    meaning = envelope.kind.messageKind.map { " = the libsignal \($0) message, unchanged" }
                        ?? " = 0x11 ‖ sealed sender v1: ephemeral key, encrypted sender identity, encrypted certificate + message"
                }
                print("\(indent)[\(offset)]\(WireAnnotator.pad(offset))\(Hex.encode(bytes[offset..<offset + header])) \(preview)  \(name), \(value.count) bytes\(meaning)")
                offset += header + value.count
            default:
                return
            }
        }
    }
}
