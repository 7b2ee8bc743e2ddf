import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireSQLite
import CrosswireWire
import Foundation
import GRDB

/// The JSON-lines interop server (`crosswire interop`): one request object per line on stdin, one answer
/// per line on stdout, flushed; bytes as lowercase hex. See SPEC.md §7 for the ops. Nothing else is ever
/// written to stdout. With a database (`crosswire interop --database DIR`) every party lives in its own
/// `SQLiteStore` file in DIR and survives restarts; an answer is written only after its operation
/// committed.
/// Not `Sendable`: one server per task; `run()` reads stdin sequentially.
public final class InteropServer {
    struct Party {
        let name: String
        let deviceID: DeviceID
        let registrationID: RegistrationID
        let identity: IdentityKeyPair
        let store: any SignalProtocolStore
        /// Layout per group (hex id); legacy unless a `format` said otherwise. Kept in the party's file
        /// when there is one.
        var groupLayouts: [String: SenderKeyLayout] = [:]
    }

    struct Failure: Error { let message: String }

    /// A request line may carry a 1 MiB message as hex plus JSON around it; a longer line gets an error
    /// answer without being parsed (or, over `run`, held in memory), and the server goes on.
    public static let maxLineBytes = 3 << 20

    private var parties: [String: Party] = [:]
    /// Sealed-sender certificate authorities by name: trust root, server key, server certificate.
    private var authorities: [String: (root: ECKeyPair, server: ECKeyPair, certificate: ServerCertificate)] = [:]
    private let entropy: any EntropySource
    private let database: PartyDatabase?

    /// A server keeping parties in memory, or, with `database`, each in a file there.
    public init(entropy: any EntropySource = SystemEntropy(), database: PartyDatabase? = nil) {
        self.entropy = entropy
        self.database = database
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
            return ["backend": "crosswire", "sender_key_format": "legacy", "kem": "ML-KEM-1024 (0x0a)", "sealed_sender": "v1"]
        case "create_party":
            let name = try string(r, "party")
            if let database {
                let (party, existing) = try await database.open(name: name, deviceID: DeviceID(try uint32(r, "device_id")),
                                                                registrationID: RegistrationID(unchecked: try uint32(r, "registration_id")))
                parties[name] = party
                return ["identity_key": Hex.encode(party.identity.identityKey.serialized), "existing": existing]
            }
            let identity = IdentityKeyPair.generate(using: entropy)
            // Whatever a peer's harness picked: the interop server does not police it.
            let registrationID = RegistrationID(unchecked: try uint32(r, "registration_id"))
            parties[name] = Party(
                name: name, deviceID: DeviceID(try uint32(r, "device_id")), registrationID: registrationID,
                identity: identity, store: InMemorySignalProtocolStore(identity: identity, registrationID: registrationID))
            return ["identity_key": Hex.encode(identity.identityKey.serialized), "existing": false]
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
            try await Self.process(bundle, party.store, try address(r), entropy)
            return [:]
        case "encrypt":
            let message = try await Self.encrypt(try hex(r, "plaintext"), try lookup(r).store, try address(r), entropy)
            return ["message_type": Int(message.kind.rawValue), "ciphertext": Hex.encode(message.serialized)]
        case "decrypt":
            let plaintext = try await Self.decrypt(try hex(r, "ciphertext"), try messageKind(r), try lookup(r).store, try address(r), entropy)
            return ["plaintext": Hex.encode(plaintext)]
        case "fingerprint":
            let party = try lookup(r)
            let peer = try string(r, "peer")
            guard let remote = try await Self.identity(of: try address(r), in: party.store) else {
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
            try await remember(layout, of: groupHex, for: &party)
            let distribution = try await Self.distribution(try Hex.decode(groupHex), layout, party, entropy)
            return ["distribution": Hex.encode(distribution.serialized)]
        case "group_process":
            let groupHex = try string(r, "group")
            var party = try lookup(r)
            let layout = try layoutField(r) ?? party.groupLayouts[groupHex] ?? .legacy
            try await remember(layout, of: groupHex, for: &party)
            let sender = ProtocolAddress(name: try string(r, "sender"), deviceID: DeviceID(try uint32(r, "sender_device")))
            try await Self.groupProcess(try hex(r, "distribution"), sender, try Hex.decode(groupHex), layout, party, entropy)
            return [:]
        case "group_encrypt":
            let party = try lookup(r)
            let message = try await Self.groupEncrypt(try hex(r, "plaintext"), try hex(r, "group"), party, entropy)
            return ["ciphertext": Hex.encode(message.serialized)]
        case "group_decrypt":
            let party = try lookup(r)
            let sender = ProtocolAddress(name: try string(r, "sender"), deviceID: DeviceID(try uint32(r, "sender_device")))
            let plaintext = try await Self.groupDecrypt(try hex(r, "ciphertext"), sender, try hex(r, "group"), party, entropy)
            return ["plaintext": Hex.encode(plaintext)]
        case "ca_create":
            let root = ECKeyPair.generate(using: entropy), server = ECKeyPair.generate(using: entropy)
            let certificate = ServerCertificate(keyID: try uint32(r, "server_key_id"), key: server.publicKey, trustRoot: root.privateKey,
                                                using: entropy)
            authorities[try string(r, "ca")] = (root, server, certificate)
            return ["trust_root": Hex.encode(root.publicKey.serialized), "server_certificate": Hex.encode(certificate.serialized)]
        case "ca_sender_certificate":
            guard let ca = authorities[try string(r, "ca")] else { throw Failure(message: "unknown ca") }
            let certificate = SenderCertificate(
                senderUUID: try string(r, "sender_uuid"), senderE164: r["sender_e164"] as? String,
                senderDevice: DeviceID(try uint32(r, "sender_device")), expiration: try uint64(r, "expires_ms"),
                identityKey: try IdentityKey(serialized: try hex(r, "identity_key")), signer: ca.certificate, serverKey: ca.server.privateKey,
                using: entropy)
            return ["sender_certificate": Hex.encode(certificate.serialized)]
        case "sealed_encrypt":
            let certificate = try SenderCertificate(serialized: try hex(r, "sender_certificate"))
            let ciphertext = try await Self.sealedEncrypt(try hex(r, "plaintext"), try lookup(r).store, try address(r), certificate, entropy)
            return ["ciphertext": Hex.encode(ciphertext)]
        case "sealed_decrypt":
            let party = try lookup(r)
            let message = try await Self.sealedDecrypt(
                try hex(r, "ciphertext"), party.store, trustRoot: try ECPublicKey(serialized: try hex(r, "trust_root")),
                timestamp: try uint64(r, "timestamp_ms"), localUUID: try string(r, "local_uuid"), localE164: r["local_e164"] as? String,
                localDevice: party.deviceID, entropy)
            return ["sender_uuid": message.senderUUID, "sender_e164": message.senderE164 as Any? ?? NSNull(),
                    "sender_device": Int(message.senderDevice.rawValue), "plaintext": Hex.encode(message.plaintext)]
        case "shutdown":
            return [:]
        default:
            throw Failure(message: "unknown op \(op)")
        }
    }

    private func makeBundle(party name: String, withOneTime: Bool, withKEM: Bool, lastResort: Bool) async throws -> [String: Any] {
        guard let party = parties[name] else { throw Failure(message: "no party \(name)") }
        let keys = try await Self.newPreKeys(party.store, identity: party.identity, withOneTime: withOneTime, withKEM: withKEM,
                                             lastResort: lastResort, entropy: entropy)
        var bundle: [String: Any] = [
            "registration_id": party.registrationID.rawValue, "device_id": party.deviceID.rawValue,
            "identity_key": Hex.encode(party.identity.identityKey.serialized),
            "signed_prekey_id": keys.signed.id.rawValue, "signed_prekey": Hex.encode(keys.signed.keyPair.publicKey.serialized),
            "signed_prekey_signature": Hex.encode(keys.signed.signature),
        ]
        if let preKey = keys.oneTime {
            bundle["prekey_id"] = preKey.id.rawValue
            bundle["prekey"] = Hex.encode(preKey.keyPair.publicKey.serialized)
        }
        if let kem = keys.kem {
            bundle["kem_prekey_id"] = kem.id.rawValue
            bundle["kem_prekey"] = Hex.encode(kem.publicKey.serialized)
            bundle["kem_prekey_signature"] = Hex.encode(kem.signature)
        }
        return bundle
    }

    /// Fresh keys for one bundle, ids following the last issued, stored in one transaction.
    private static func newPreKeys<Store: SignalProtocolStore>(
        _ store: Store, identity: IdentityKeyPair, withOneTime: Bool, withKEM: Bool, lastResort: Bool, entropy: any EntropySource
    ) async throws -> (signed: SignedPreKey, oneTime: OneTimePreKey?, kem: KEMPreKey?) {
        let now = Timestamp.now()
        return try await store.transaction(.device) { t in
            let signedID = SignedPreKeyID((try t.lastIssuedSignedPreKeyID()?.rawValue ?? 0) % PreKeyID.maxIssued + 1)
            let signed = SignedPreKey.generate(id: signedID, signedBy: identity, timestamp: now, using: entropy)
            try t.storeSignedPreKey(signed)
            var oneTime: OneTimePreKey?
            if withOneTime {
                let id = PreKeyID((try t.lastIssuedPreKeyID()?.rawValue ?? 0) % PreKeyID.maxIssued + 1)
                oneTime = OneTimePreKey(id: id, keyPair: .generate(using: entropy))
                try t.storePreKey(oneTime!)
            }
            var kem: KEMPreKey?
            if withKEM {
                let id = KEMPreKeyID((try t.lastIssuedKEMPreKeyID()?.rawValue ?? 0) % PreKeyID.maxIssued + 1)
                kem = KEMPreKey.generate(id: id, signedBy: identity, timestamp: now, lastResort: lastResort, using: entropy)
                try t.storeKEMPreKey(kem!)
            }
            return (signed, oneTime, kem)
        }
    }

    // Each op opens the party's store (an existential) into a concrete cipher.

    private static func process<Store: SignalProtocolStore>(_ bundle: PreKeyBundle, _ store: Store, _ address: ProtocolAddress, _ entropy: any EntropySource) async throws {
        try await SessionCipher(store: store, address: address, entropy: entropy).process(bundle)
    }

    private static func encrypt<Store: SignalProtocolStore>(_ plaintext: [UInt8], _ store: Store, _ address: ProtocolAddress, _ entropy: any EntropySource) async throws -> CiphertextMessage {
        try await SessionCipher(store: store, address: address, entropy: entropy).encrypt(plaintext)
    }

    private static func decrypt<Store: SignalProtocolStore>(_ ciphertext: [UInt8], _ kind: MessageKind, _ store: Store, _ address: ProtocolAddress, _ entropy: any EntropySource) async throws -> [UInt8] {
        try await SessionCipher(store: store, address: address, entropy: entropy).decrypt(ciphertext, kind: kind)
    }

    private static func identity<Store: SignalProtocolStore>(of address: ProtocolAddress, in store: Store) async throws -> IdentityKey? {
        try await store.transaction(.session(address)) { t in try t.identity(for: address) }
    }

    private static func groupCipher<Store: SignalProtocolStore>(_ store: Store, _ party: Party, _ entropy: any EntropySource) -> GroupCipher<Store> {
        GroupCipher(store: store, localAddress: ProtocolAddress(name: party.name, deviceID: party.deviceID), entropy: entropy)
    }

    private static func distribution(_ group: [UInt8], _ layout: SenderKeyLayout, _ party: Party, _ entropy: any EntropySource) async throws -> SenderKeyDistributionMessage {
        func run<Store: SignalProtocolStore>(_ store: Store) async throws -> SenderKeyDistributionMessage {
            try await groupCipher(store, party, entropy).distributionMessage(for: group, layout: layout)
        }
        return try await run(party.store)
    }

    private static func groupProcess(_ distribution: [UInt8], _ sender: ProtocolAddress, _ group: [UInt8], _ layout: SenderKeyLayout, _ party: Party, _ entropy: any EntropySource) async throws {
        func run<Store: SignalProtocolStore>(_ store: Store) async throws {
            try await groupCipher(store, party, entropy).process(distribution, from: sender, groupID: group, layout: layout)
        }
        try await run(party.store)
    }

    private static func groupEncrypt(_ plaintext: [UInt8], _ group: [UInt8], _ party: Party, _ entropy: any EntropySource) async throws -> SenderKeyMessage {
        func run<Store: SignalProtocolStore>(_ store: Store) async throws -> SenderKeyMessage {
            try await groupCipher(store, party, entropy).encrypt(plaintext, groupID: group)
        }
        return try await run(party.store)
    }

    private static func groupDecrypt(_ ciphertext: [UInt8], _ sender: ProtocolAddress, _ group: [UInt8], _ party: Party, _ entropy: any EntropySource) async throws -> [UInt8] {
        func run<Store: SignalProtocolStore>(_ store: Store) async throws -> [UInt8] {
            try await groupCipher(store, party, entropy).decrypt(ciphertext, from: sender, groupID: group)
        }
        return try await run(party.store)
    }

    /// Records a group's layout for the party, in its file when there is one.
    private func remember(_ layout: SenderKeyLayout, of group: String, for party: inout Party) async throws {
        guard party.groupLayouts[group] != layout else { return }
        party.groupLayouts[group] = layout
        parties[party.name] = party
        if let store = party.store as? SQLiteStore { try await PartyDatabase.remember(layout, of: group, in: store) }
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

    private func uint64(_ r: [String: Any], _ key: String) throws -> UInt64 {
        guard let number = r[key] as? NSNumber, number.int64Value >= 0 else { throw Failure(message: "missing or negative \(key)") }
        return number.uint64Value
    }

    static func sealedEncrypt<Store: SignalProtocolStore>(_ plaintext: [UInt8], _ store: Store, _ address: ProtocolAddress,
                                                          _ certificate: SenderCertificate, _ entropy: any EntropySource) async throws -> [UInt8] {
        try await SealedSessionCipher(store: store, entropy: entropy).encrypt(plaintext, to: address, certificate: certificate)
    }

    static func sealedDecrypt<Store: SignalProtocolStore>(
        _ bytes: [UInt8], _ store: Store, trustRoot: ECPublicKey, timestamp: UInt64, localUUID: String, localE164: String?,
        localDevice: DeviceID, _ entropy: any EntropySource
    ) async throws -> SealedMessage {
        try await SealedSessionCipher(store: store, entropy: entropy)
            .decrypt(bytes, trustRoot: trustRoot, timestamp: timestamp, localUUID: localUUID, localE164: localE164, localDevice: localDevice)
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
