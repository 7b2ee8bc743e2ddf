import CrosswireCrypto
import CrosswireWire

/// A server's sealed-sender signing key, signed by the trust root apps pin (SPEC §13.1, libsignal's
/// `ServerCertificate`): `{1 certificate {1 id, 2 key (33 B)}, 2 signature}`, XEdDSA over the inner
/// certificate bytes.
public struct ServerCertificate: Sendable, Hashable {
    /// Ids refused whatever their signature: libsignal's revocation list.
    public static let revokedKeyIDs: Set<UInt32> = [0xDEADC357]

    /// The server key's id.
    public let keyID: UInt32
    /// The key that signs sender certificates.
    public let key: ECPublicKey
    /// The signed bytes.
    public let certificate: [UInt8]
    /// The trust root's signature over `certificate`.
    public let signature: [UInt8]
    /// The whole certificate as sent.
    public let serialized: [UInt8]

    /// Signs `key` under `keyID` with the trust root's private key.
    public init(keyID: UInt32, key: ECPublicKey, trustRoot: ECPrivateKey, using entropy: some EntropySource = SystemEntropy()) {
        var inner = ProtobufWriter(reservingCapacity: 44)
        inner.appendUInt(field: 1, UInt64(keyID))
        inner.appendBytes(field: 2, key.serialized)
        let signature = trustRoot.signature(for: inner.bytes, using: entropy)
        self.keyID = keyID
        self.key = key
        certificate = inner.bytes
        self.signature = signature
        serialized = SignedCertificate.join(certificate: inner.bytes, signature: signature)
    }

    /// Decodes; nothing is verified until `validate(trustRoot:)`.
    public init(serialized bytes: [UInt8]) throws(SealedSenderError) {
        let (certificate, signature) = try SignedCertificate.split(bytes, "ServerCertificate")
        let (id, keyBytes) = try SealedSenderError.decode("ServerCertificate.certificate") { () throws -> (UInt32, [UInt8]) in
            var reader = ProtobufReader(certificate)
            var id: UInt32?, key: [UInt8]?
            while let field = try reader.next() {
                switch field.number {
                case 1: id = try field.value.uint32(field: 1)
                case 2: key = try field.value.bytes(field: 2)
                default: continue
                }
            }
            guard let id, let key else { throw WireFormatError(.missingField, "a server certificate names its id and key") }
            return (id, key)
        }
        do {
            key = try ECPublicKey(serialized: keyBytes)
        } catch {
            throw SealedSenderError(.invalidMessage, "the server certificate's key: \(error.reason)", underlying: error)
        }
        keyID = id
        self.certificate = certificate
        self.signature = signature
        serialized = bytes
    }

    /// Whether the trust root signed it and its id is not revoked.
    public func validate(trustRoot: ECPublicKey) -> Bool {
        !Self.revokedKeyIDs.contains(keyID) && trustRoot.isValidSignature(signature, for: certificate)
    }

    /// Server certificates a sender certificate may name by id instead of embedding (libsignal's
    /// table): 2 (Signal staging), 3 (Signal production), 0x7357C357 (test: trust root of the all-zero
    /// private key, server key of the all-0xFF private key).
    public static let known: [UInt32: ServerCertificate] = {
        var table: [UInt32: ServerCertificate] = [:]
        for hex in [
            "0a25080212210539450d63ebd0752c0fd4038b9d07a916f5e174b756d409b5ca79f4c97400631e124064c5a38b1e927497d3d4786b101a623ab34a7da3954fae126b04dba9d7a3604ed88cdc8550950f0d4a9134ceb7e19b94139151d2c3d6e1c81e9d1128aafca806",
            "0a250803122105bc9d1d290be964810dfa7e94856480a3f7060d004c9762c24c575a1522353a5a1240c11ec3c401eb0107ab38f8600e8720a63169e0e2eb8a3fae24f63099f85ea319c3c1c46d3454706ae2a679d1fee690a488adda98a2290b66c906bb60295ed781",
            "0a2908d786df9a07122105847c0d2c375234f365e660955187a3735a0f7613d1609d3a6a4d8c53aeaa5a221240e0b9ebacdfc3aa2827f7924b697784d1c25e44ca05dd433e1a38dc6382eb2730d419ca9a250b1be9d5a9463e61efd6781777a91b83c97b844d014206e2829785",
        ] {
            let certificate = try! ServerCertificate(serialized: try! Hex.decode(hex))
            table[certificate.keyID] = certificate
        }
        return table
    }()
}
