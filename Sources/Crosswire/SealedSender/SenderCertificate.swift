import CrosswireCrypto
import CrosswireWire

/// Who sent a sealed message, vouched for by a server key (SPEC §13.1, libsignal's `SenderCertificate`):
/// `{1 certificate, 2 signature}` over `{1 sender_e164?, 2 sender_device, 3 expires (fixed64 ms),
/// 4 identity_key, 5 signer (ServerCertificate) | 8 signer id, 6 uuid string | 7 uuid bytes}`.
/// Crosswire names the sender `uuid = "APP:USER"` and `sender_device` = its device id (SPEC §7.1).
public struct SenderCertificate: Sendable, Hashable {
    /// The sender's name: a Signal UUID string, or `APP:USER` across apps.
    public let senderUUID: String
    /// The sender's phone number, when the certificate has one.
    public let senderE164: String?
    /// The sending device.
    public let senderDevice: DeviceID
    /// Milliseconds since 1970 after which the certificate is refused.
    public let expiration: UInt64
    /// The sender device's identity key: the sealed message's static key must be this one.
    public let identityKey: IdentityKey
    /// The server certificate that signed it (embedded, or from `ServerCertificate.known` by id).
    public let signer: ServerCertificate
    /// The signed bytes.
    public let certificate: [UInt8]
    /// The server key's signature over `certificate`.
    public let signature: [UInt8]
    /// The whole certificate as sent.
    public let serialized: [UInt8]

    /// Issues a certificate for a sender, signed with the server's private key under `signer`.
    public init(senderUUID: String, senderE164: String? = nil, senderDevice: DeviceID, expiration: UInt64, identityKey: IdentityKey,
                signer: ServerCertificate, serverKey: ECPrivateKey, using entropy: some EntropySource = SystemEntropy()) {
        var inner = ProtobufWriter(reservingCapacity: 128 + signer.serialized.count)
        if let senderE164 { inner.appendBytes(field: 1, Array(senderE164.utf8)) }
        inner.appendUInt(field: 2, UInt64(senderDevice.rawValue))
        inner.appendFixed64(field: 3, expiration)
        inner.appendBytes(field: 4, identityKey.serialized)
        inner.appendBytes(field: 5, signer.serialized)
        inner.appendBytes(field: 6, Array(senderUUID.utf8))
        let signature = serverKey.signature(for: inner.bytes, using: entropy)
        self.senderUUID = senderUUID
        self.senderE164 = senderE164
        self.senderDevice = senderDevice
        self.expiration = expiration
        self.identityKey = identityKey
        self.signer = signer
        certificate = inner.bytes
        self.signature = signature
        serialized = SignedCertificate.join(certificate: inner.bytes, signature: signature)
    }

    /// Decodes; nothing is verified until `validate(trustRoot:at:)`. A signer id not in
    /// `ServerCertificate.known` is `unknownServerCertificate`.
    public init(serialized bytes: [UInt8]) throws(SealedSenderError) {
        let (certificate, signature) = try SignedCertificate.split(bytes, "SenderCertificate")
        struct Fields { var e164: String?; var device: UInt32?; var expires: UInt64?; var key: [UInt8]?; var signer: [UInt8]?; var signerID: UInt32?; var uuid: String? }
        let fields = try SealedSenderError.decode("SenderCertificate.certificate") { () throws -> Fields in
            var reader = ProtobufReader(certificate)
            var f = Fields()
            while let field = try reader.next() {
                switch field.number {
                case 1: f.e164 = String(decoding: try field.value.bytes(field: 1), as: UTF8.self)
                case 2: f.device = try field.value.uint32(field: 2)
                case 3:
                    guard case .fixed64(let value) = field.value else { throw WireFormatError(.unsupportedWireType, "expires is fixed64") }
                    f.expires = value
                case 4: f.key = try field.value.bytes(field: 4)
                case 5: f.signer = try field.value.bytes(field: 5)
                case 6: f.uuid = String(decoding: try field.value.bytes(field: 6), as: UTF8.self)
                case 7:
                    let raw = try field.value.bytes(field: 7, count: 16)
                    f.uuid = Self.uuidString(raw)
                case 8: f.signerID = try field.value.uint32(field: 8)
                default: continue
                }
            }
            return f
        }
        guard let device = fields.device, let expires = fields.expires, let keyBytes = fields.key, let uuid = fields.uuid else {
            throw SealedSenderError(.invalidMessage, "a sender certificate names its sender, device, expiry and identity key")
        }
        if let signerBytes = fields.signer {
            signer = try ServerCertificate(serialized: signerBytes)
        } else if let id = fields.signerID {
            guard let known = ServerCertificate.known[id] else {
                throw SealedSenderError(.unknownServerCertificate, "server certificate id \(id) is not one this build knows")
            }
            signer = known
        } else {
            throw SealedSenderError(.invalidMessage, "a sender certificate names its signer")
        }
        do {
            identityKey = try IdentityKey(serialized: keyBytes)
        } catch {
            throw SealedSenderError(.invalidMessage, "the sender's identity key: \(error.reason)", underlying: error)
        }
        senderUUID = uuid
        senderE164 = fields.e164
        senderDevice = DeviceID(device)
        expiration = expires
        self.certificate = certificate
        self.signature = signature
        serialized = bytes
    }

    /// Whether the chain holds at `time` (ms since 1970): the server certificate is signed by
    /// `trustRoot` and not revoked, this one is signed by the server key, and `time ≤ expiration`.
    public func validate(trustRoot: ECPublicKey, at time: UInt64) throws(SealedSenderError) {
        guard signer.validate(trustRoot: trustRoot) else {
            throw SealedSenderError(.invalidCertificate, "the server certificate \(signer.keyID) is not signed by the trust root, or is revoked")
        }
        guard signer.key.isValidSignature(signature, for: certificate) else {
            throw SealedSenderError(.invalidCertificate, "the sender certificate is not signed by server key \(signer.keyID)")
        }
        guard time <= expiration else {
            throw SealedSenderError(.expiredCertificate, "the sender certificate expired at \(expiration), validated at \(time)")
        }
    }

    /// The sender as a libsignal address: `senderUUID` and the device.
    public var senderAddress: ProtocolAddress { ProtocolAddress(name: senderUUID, deviceID: senderDevice) }

    static func uuidString(_ raw: [UInt8]) -> String {
        let hex = Hex.encode(raw)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.map(String.init).joined(separator: "-")
    }
}
