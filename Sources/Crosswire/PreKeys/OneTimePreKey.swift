@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// A one-time prekey: used for at most one session, deleted after the first successful decrypt.
public struct OneTimePreKey: Sendable {
    /// Named in the bundle and in the PreKey messages that use this key.
    public let id: PreKeyID
    /// The private half is secret: it stays in the `PreKeyStore` until a session used it.
    public let keyPair: ECKeyPair

    /// A prekey from an existing key pair.
    public init(id: PreKeyID, keyPair: ECKeyPair) {
        self.id = id
        self.keyPair = keyPair
    }

    /// `count` keys with consecutive ids from `start`, wrapping within 1...`PreKeyID.maxIssued` (a start
    /// outside that range, 0 included, begins at 1). At most `maxIssued` keys, so no id repeats.
    public static func generateBatch(
        startingAt start: PreKeyID, count: Int, using entropy: some EntropySource = SystemEntropy()
    ) -> [OneTimePreKey] {
        precondition((0...Int(PreKeyID.maxIssued)).contains(count), "a batch holds 0...\(PreKeyID.maxIssued) prekeys, so that no id repeats")
        let first = (1...PreKeyID.maxIssued).contains(start.rawValue) ? UInt64(start.rawValue) : 1
        return (0..<count).map { offset in
            let raw = UInt32((first - 1 + UInt64(offset)) % UInt64(PreKeyID.maxIssued) + 1)
            return OneTimePreKey(id: PreKeyID(raw), keyPair: .generate(using: entropy))
        }
    }

    /// Record form `{1 id, 2 public 33 B, 3 private 32 B}` (libsignal's PreKeyRecordStructure). Secret.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 80)
        writer.appendUInt(field: 1, UInt64(id.rawValue))
        writer.appendBytes(field: 2, keyPair.publicKey.serialized)
        writer.appendSecret(field: 3, keyPair.privateKey.rawRepresentation)
        return writer.bytes
    }

    /// Restores a prekey from `serialized`; the public key is derived from the private one.
    public init(serialized: [UInt8]) throws(RecordError) {
        var id: UInt32?, privateKey: ECPrivateKey?
        try RecordError.fields(of: serialized[...], in: "one-time prekey") { field in
            switch field.number {
            case 1: id = try field.value.uint32(field: 1)
            case 3: privateKey = try ECPrivateKey(rawRepresentation: try field.value.slice(field: 3, count: 32))
            default: break
            }
        }
        guard let id, let privateKey else { throw RecordError(corrupt: "one-time prekey", "lacks a field") }
        self.init(id: PreKeyID(id), keyPair: ECKeyPair(privateKey: privateKey))
    }
}
