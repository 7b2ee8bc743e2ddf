import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation

/// The JSON-lines interop server (`crosswire interop`): one request object per line on stdin, one answer
/// per line on stdout, flushed; bytes as lowercase hex. See SPEC.md §7 for the ops. Nothing else is ever
/// written to stdout.
/// Not `Sendable`: one server per task; `run()` reads stdin sequentially.
public final class InteropServer {
    struct Party {
        let name: String
        let deviceID: DeviceID
        let registrationID: RegistrationID
        let identity: IdentityKeyPair
        let store: InMemorySignalProtocolStore
        var nextSignedPreKeyID: UInt32 = 1
        var nextPreKeyID: UInt32 = 1
        var nextKEMPreKeyID: UInt32 = 1
        /// Layout per group (hex id); legacy unless a `format` said otherwise.
        var groupLayouts: [String: SenderKeyLayout] = [:]
    }

    struct Failure: Error { let message: String }

    /// A request line may carry a 1 MiB message as hex plus JSON around it; a longer line gets an error
    /// answer without being parsed (or, over `run`, held in memory), and the server goes on.
    public static let maxLineBytes = 3 << 20

    private var parties: [String: Party] = [:]
    private let entropy: any EntropySource

    public init(entropy: any EntropySource = SystemEntropy()) {
        self.entropy = entropy
    }

    /// Serves stdin to stdout until `shutdown` or end of input.
    public func run() async {
        await run(input: .standardInput, output: .standardOutput)
    }

    /// Serves `input` to `output`, one answer line per request line, until `shutdown` or end of input.
    public func run(input: FileHandle, output: FileHandle) async {
        var reader = LineReader(input, limit: Self.maxLineBytes)
        while let line = reader.next() {
            let answer: String, stop: Bool
            switch line {
            case .tooLong:
                (answer, stop) = (Self.tooLongAnswer, false)
            case .line(let bytes):
                let text = String(decoding: bytes, as: UTF8.self)
                if text.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                (answer, stop) = await handle(line: text)
            }
            output.write(Data((answer + "\n").utf8))
            if stop { return }
        }
    }

    static var tooLongAnswer: String {
        encode(["id": NSNull(), "ok": false, "error": "request line longer than \(maxLineBytes) bytes"])
    }

    /// One request line to one answer line; `stop` after `shutdown`.
    public func handle(line: String) async -> (answer: String, stop: Bool) {
        guard line.utf8.count <= Self.maxLineBytes else { return (Self.tooLongAnswer, false) }
        var id: Any = NSNull()
        do {
            guard let request = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw Failure(message: "request is not a JSON object")
            }
            id = request["id"] ?? NSNull()
            guard let op = request["op"] as? String else { throw Failure(message: "request has no op") }
            var result = try await perform(op, request)
            result["id"] = id
            result["ok"] = true
            return (Self.encode(result), op == "shutdown")
        } catch {
            return (Self.encode(["id": id, "ok": false, "error": Self.describe(error)]), false)
        }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case let e as Failure: e.message
        case let e as any CrosswireError: "\(e.codeName): \(e.reason)"
        case let e as CryptoError: "\(e.code): \(e.reason)"
        case let e as WireFormatError: "\(e.code): \(e.reason)"
        default: String(describing: error)
        }
    }

    static func encode(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private func perform(_ op: String, _ r: [String: Any]) async throws -> [String: Any] {
        switch op {
        case "info":
            return ["backend": "crosswire", "sender_key_format": "legacy", "kem": "ML-KEM-1024 (0x0a)"]
        case "create_party":
            let name = try string(r, "party")
            let identity = IdentityKeyPair.generate(using: entropy)
            // Whatever a peer's harness picked: the interop server does not police it.
            let registrationID = RegistrationID(unchecked: try uint32(r, "registration_id"))
            parties[name] = Party(
                name: name, deviceID: DeviceID(try uint32(r, "device_id")), registrationID: registrationID,
                identity: identity, store: InMemorySignalProtocolStore(identity: identity, registrationID: registrationID))
            return ["identity_key": Hex.encode(identity.identityKey.serialized)]
        case "prekey_bundle":
            return ["bundle": try await makeBundle(party: try string(r, "party"), withOneTime: r["with_one_time"] as? Bool ?? false,
                                                   withKEM: r["with_kem"] as? Bool ?? false, lastResort: r["kem_last_resort"] as? Bool ?? false)]
        case "process_bundle":
            let party = try lookup(r)
            guard let b = r["bundle"] as? [String: Any] else { throw Failure(message: "missing bundle") }
            let bundle = try PreKeyBundle(
                registrationID: RegistrationID(unchecked: try uint32(b, "registration_id")), deviceID: DeviceID(try uint32(b, "device_id")),
                identityKey: IdentityKey(serialized: try hex(b, "identity_key")),
                signedPreKeyID: SignedPreKeyID(try uint32(b, "signed_prekey_id")),
                signedPreKey: ECPublicKey(serialized: try hex(b, "signed_prekey")),
                signedPreKeySignature: try hex(b, "signed_prekey_signature"),
                preKeyID: b["prekey_id"] == nil ? nil : PreKeyID(try uint32(b, "prekey_id")),
                preKey: b["prekey"] == nil ? nil : try ECPublicKey(serialized: try hex(b, "prekey")),
                kemPreKeyID: b["kem_prekey_id"] == nil ? nil : KEMPreKeyID(try uint32(b, "kem_prekey_id")),
                kemPreKey: b["kem_prekey"] == nil ? nil : try MLKEMPublicKey(serialized: try hex(b, "kem_prekey")),
                kemPreKeySignature: b["kem_prekey_signature"] == nil ? nil : try hex(b, "kem_prekey_signature"))
            try await cipher(party, r).process(bundle)
            return [:]
        case "encrypt":
            let message = try await cipher(try lookup(r), r).encrypt(try hex(r, "plaintext"))
            return ["message_type": Int(message.kind.rawValue), "ciphertext": Hex.encode(message.serialized)]
        case "decrypt":
            let plaintext = try await cipher(try lookup(r), r).decrypt(try hex(r, "ciphertext"), kind: try messageKind(r))
            return ["plaintext": Hex.encode(plaintext)]
        case "fingerprint":
            let party = try lookup(r)
            let peer = try string(r, "peer")
            guard let remote = try await party.store.identity(for: try address(r)) else {
                throw Failure(message: "no known identity for \(peer)")
            }
            let fingerprint = try Fingerprint(
                iterations: Int(try uint32(r, "iterations")),
                localStableID: Array(party.name.utf8), localIdentity: party.identity.identityKey,
                remoteStableID: Array(peer.utf8), remoteIdentity: remote)
            return ["displayable": fingerprint.displayable, "scannable": Hex.encode(fingerprint.scannable)]
        case "group_create":
            let groupHex = try string(r, "group")
            var party = try lookup(r)
            let layout = try layoutField(r) ?? party.groupLayouts[groupHex] ?? .legacy
            party.groupLayouts[groupHex] = layout
            parties[party.name] = party
            let distribution = try await groupCipher(party).distributionMessage(for: try Hex.decode(groupHex), layout: layout)
            return ["distribution": Hex.encode(distribution.serialized)]
        case "group_process":
            let groupHex = try string(r, "group")
            var party = try lookup(r)
            let layout = try layoutField(r) ?? party.groupLayouts[groupHex] ?? .legacy
            party.groupLayouts[groupHex] = layout
            parties[party.name] = party
            let sender = ProtocolAddress(name: try string(r, "sender"), deviceID: DeviceID(try uint32(r, "sender_device")))
            try await groupCipher(party).process(try hex(r, "distribution"), from: sender, groupID: try Hex.decode(groupHex), layout: layout)
            return [:]
        case "group_encrypt":
            let party = try lookup(r)
            let message = try await groupCipher(party).encrypt(try hex(r, "plaintext"), groupID: try hex(r, "group"))
            return ["ciphertext": Hex.encode(message.serialized)]
        case "group_decrypt":
            let party = try lookup(r)
            let sender = ProtocolAddress(name: try string(r, "sender"), deviceID: DeviceID(try uint32(r, "sender_device")))
            let plaintext = try await groupCipher(party).decrypt(try hex(r, "ciphertext"), from: sender, groupID: try hex(r, "group"))
            return ["plaintext": Hex.encode(plaintext)]
        case "shutdown":
            return [:]
        default:
            throw Failure(message: "unknown op \(op)")
        }
    }

    private func makeBundle(party name: String, withOneTime: Bool, withKEM: Bool, lastResort: Bool) async throws -> [String: Any] {
        guard var party = parties[name] else { throw Failure(message: "no party \(name)") }
        let signed = SignedPreKey.generate(
            id: SignedPreKeyID(party.nextSignedPreKeyID), signedBy: party.identity,
            timestamp: UInt64(Date().timeIntervalSince1970 * 1000), using: entropy)
        party.nextSignedPreKeyID += 1
        try await party.store.storeSignedPreKey(signed)
        var bundle: [String: Any] = [
            "registration_id": party.registrationID.rawValue, "device_id": party.deviceID.rawValue,
            "identity_key": Hex.encode(party.identity.identityKey.serialized),
            "signed_prekey_id": signed.id.rawValue, "signed_prekey": Hex.encode(signed.keyPair.publicKey.serialized),
            "signed_prekey_signature": Hex.encode(signed.signature),
        ]
        if withOneTime {
            let preKey = OneTimePreKey.generateBatch(startingAt: PreKeyID(party.nextPreKeyID), count: 1, using: entropy)[0]
            party.nextPreKeyID = preKey.id.rawValue % PreKeyID.maxIssued + 1
            try await party.store.storePreKey(preKey)
            bundle["prekey_id"] = preKey.id.rawValue
            bundle["prekey"] = Hex.encode(preKey.keyPair.publicKey.serialized)
        }
        if withKEM {
            let kem = KEMPreKey.generate(id: KEMPreKeyID(party.nextKEMPreKeyID), signedBy: party.identity,
                                         timestamp: UInt64(Date().timeIntervalSince1970 * 1000), lastResort: lastResort, using: entropy)
            party.nextKEMPreKeyID += 1
            try await party.store.storeKEMPreKey(kem)
            bundle["kem_prekey_id"] = kem.id.rawValue
            bundle["kem_prekey"] = Hex.encode(kem.publicKey.serialized)
            bundle["kem_prekey_signature"] = Hex.encode(kem.signature)
        }
        parties[name] = party
        return bundle
    }

    private func cipher(_ party: Party, _ r: [String: Any]) throws -> SessionCipher<InMemorySignalProtocolStore> {
        SessionCipher(store: party.store, address: try address(r), entropy: entropy)
    }

    private func groupCipher(_ party: Party) -> GroupCipher<InMemorySignalProtocolStore> {
        GroupCipher(store: party.store, localAddress: ProtocolAddress(name: party.name, deviceID: party.deviceID), entropy: entropy)
    }

    private func layoutField(_ r: [String: Any]) throws -> SenderKeyLayout? {
        guard let text = r["format"] as? String else { return nil }
        guard let layout = SenderKeyLayout(rawValue: text) else {
            throw Failure(message: "unknown sender key format \(text) (legacy or distribution_uuid)")
        }
        return layout
    }

    /// The interop protocol's `message_type` numbers are libsignal's (2, 3).
    private func messageKind(_ r: [String: Any]) throws -> MessageKind {
        let type = try uint32(r, "message_type")
        guard let kind = UInt8(exactly: type).flatMap(MessageKind.init(rawValue:)), kind != .senderKey else {
            throw SessionError(.invalidMessage, "unknown message type \(type)")
        }
        return kind
    }

    private func lookup(_ r: [String: Any]) throws -> Party {
        let name = try string(r, "party")
        guard let party = parties[name] else { throw Failure(message: "no party \(name)") }
        return party
    }

    private func address(_ r: [String: Any]) throws -> ProtocolAddress {
        ProtocolAddress(name: try string(r, "peer"), deviceID: DeviceID(try uint32(r, "peer_device")))
    }

    private func string(_ r: [String: Any], _ key: String) throws -> String {
        guard let value = r[key] as? String else { throw Failure(message: "missing string field \(key)") }
        return value
    }

    private func uint32(_ r: [String: Any], _ key: String) throws -> UInt32 {
        guard let number = r[key] as? NSNumber, let value = UInt32(exactly: number.doubleValue) else {
            throw Failure(message: "missing or out-of-range integer field \(key)")
        }
        return value
    }

    private func hex(_ r: [String: Any], _ key: String) throws -> [UInt8] {
        try Hex.decode(try string(r, key))
    }
}
