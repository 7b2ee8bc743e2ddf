@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// Sealed sender v2, multi-recipient (SPEC §13.4), on libsignal's key schedule: the content is
/// encrypted once (AES-256-GCM-SIV under K), and each recipient device gets 48 bytes — `C_i` (the
/// message secret M masked by an agreement with the ephemeral key) and `AT_i` (an authentication tag
/// from the sender's identity). The server splits Crosswire's sent form (recipients named by device
/// address, version `0x2A`) into libsignal's received form `0x22 ‖ C ‖ AT ‖ E (32) ‖ ciphertext`.
public enum SealedSenderV2 {
    /// libsignal's received-form version byte.
    public static let receivedVersion: UInt8 = 0x22
    /// Crosswire's sent-form version byte: recipients as device addresses (SPEC §13.4).
    public static let sentVersion: UInt8 = 0x2A
    static let labelR = Array("Sealed Sender v2: r (2023-08)".utf8)
    static let labelK = Array("Sealed Sender v2: K".utf8)
    static let labelDH = Array("Sealed Sender v2: DH".utf8)
    static let labelDHSender = Array("Sealed Sender v2: DH-sender".utf8)

    /// One recipient device: where it is, its registration id (for the server's 410 check), its identity.
    public struct Recipient: Sendable, Hashable {
        /// The device.
        public let device: DeviceAddress
        /// Its registration id, 1…16380 (14 bits on the wire).
        public let registrationID: RegistrationID
        /// Its identity key, from its account's verified device list.
        public let identityKey: IdentityKey

        /// A recipient.
        public init(device: DeviceAddress, registrationID: RegistrationID, identityKey: IdentityKey) {
            self.device = device
            self.registrationID = registrationID
            self.identityKey = identityKey
        }
    }

    /// The sent form for the server: `0x2A ‖ varint n ‖ n × (DeviceAddress ‖ registration id u16 BE ‖
    /// C (32) ‖ AT (16)) ‖ E (32) ‖ AES-256-GCM-SIV(K, content) ‖ tag`.
    public static func seal(_ content: UnidentifiedSenderMessageContent, from sender: IdentityKeyPair, to recipients: [Recipient],
                            using entropy: some EntropySource = SystemEntropy()) throws(SealedSenderError) -> [UInt8] {
        guard !recipients.isEmpty else { throw SealedSenderError(.invalidMessage, "a v2 message has at least one recipient") }
        let secret = SecretBytes(entropy.bytes(32))
        let (ephemeral, key) = try derive(secret)
        var plaintext = content.serialized
        defer { SecretBytes.wipe(&plaintext) }
        let ciphertext = try SealedSenderV1.wrap { try AES256GCMSIV.seal(plaintext, key: key) }
        var out: [UInt8] = [sentVersion]
        var writer = ProtobufWriter()
        writer.appendVarint(UInt64(recipients.count))
        out += writer.bytes
        for recipient in recipients {
            let (c, at) = try perRecipient(secret: secret, ephemeral: ephemeral, sender: sender, recipient: recipient.identityKey)
            out += recipient.device.serialized
            out += [UInt8(recipient.registrationID.rawValue >> 8), UInt8(truncatingIfNeeded: recipient.registrationID.rawValue)]
            out += c + at
        }
        out += ephemeral.publicKey.rawRepresentation
        out += ciphertext
        return out
    }

    /// The server's split of a sent form: each recipient device with its registration id and its
    /// received form.
    public static func receivedForms(of sent: [UInt8]) throws(SealedSenderError) -> [(device: DeviceAddress, registrationID: UInt16, received: [UInt8])] {
        var reader = sent[...]
        guard reader.popFirst() == sentVersion else { throw SealedSenderError(.unsupportedVersion, "a v2 sent form starts with 0x2A") }
        var count: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard let byte = reader.popFirst(), shift < 63 else { throw SealedSenderError(.invalidMessage, "a truncated recipient count") }
            count |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        guard count > 0, count <= 10_000 else { throw SealedSenderError(.invalidMessage, "\(count) recipients") }
        var entries: [(DeviceAddress, UInt16, [UInt8])] = []
        for _ in 0..<count {
            // A device address is 1 + 1 + app + 1 + user + 1 bytes.
            guard reader.count >= 4 else { throw SealedSenderError(.invalidMessage, "a truncated recipient") }
            let appCount = Int(reader[reader.startIndex + 1])
            guard reader.count >= 3 + appCount else { throw SealedSenderError(.invalidMessage, "a truncated recipient") }
            let userCount = Int(reader[reader.startIndex + 2 + appCount])
            let addressCount = 4 + appCount + userCount
            guard reader.count >= addressCount + 2 + 48 else { throw SealedSenderError(.invalidMessage, "a truncated recipient") }
            let device: DeviceAddress
            do { device = try DeviceAddress(serialized: reader.prefix(addressCount)) } catch {
                throw SealedSenderError(.invalidMessage, "a recipient address: \(error.reason)", underlying: error)
            }
            reader = reader.dropFirst(addressCount)
            let registration = UInt16(reader[reader.startIndex]) << 8 | UInt16(reader[reader.startIndex + 1])
            reader = reader.dropFirst(2)
            entries.append((device, registration, Array(reader.prefix(48))))
            reader = reader.dropFirst(48)
        }
        guard reader.count >= 32 + AES256GCMSIV.tagCount else { throw SealedSenderError(.invalidMessage, "a truncated v2 payload") }
        let shared = Array(reader)
        return entries.map { ($0.0, $0.1, [receivedVersion] + $0.2 + shared) }
    }

    /// Opens a received form for `recipient`: recovers M, checks the ephemeral key derived from it,
    /// decrypts the content, then checks AT against the certificate's identity key (constant time).
    public static func open(_ received: [UInt8], recipient: IdentityKeyPair) throws(SealedSenderError) -> UnidentifiedSenderMessageContent {
        guard let version = received.first else { throw SealedSenderError(.invalidMessage, "an empty v2 message") }
        guard version == receivedVersion else { throw SealedSenderError(.unsupportedVersion, "a v2 received form starts with 0x22") }
        guard received.count >= 1 + 32 + 16 + 32 + AES256GCMSIV.tagCount else { throw SealedSenderError(.invalidMessage, "a truncated v2 message") }
        let c = Array(received[1..<33]), at = Array(received[33..<49]), ephemeralRaw = Array(received[49..<81])
        let ciphertext = Array(received[81...])
        let ephemeral: ECPublicKey
        do { ephemeral = try ECPublicKey(rawRepresentation: ephemeralRaw) } catch {
            throw SealedSenderError(.invalidMessage, "the ephemeral key: \(error)", underlying: error)
        }
        let mask = try SealedSenderV1.wrap {
            try kdf(try recipient.privateKey.sharedSecret(with: ephemeral), ephemeral.serialized + recipient.identityKey.serialized,
                    info: labelDH, count: 32)
        }
        let secret = SecretBytes(zip(c, mask.withUnsafeBytes { Array($0) }).map { $0 ^ $1 })
        let (derived, key) = try derive(secret)
        guard ConstantTime.equals(derived.publicKey.rawRepresentation, ephemeralRaw) else {
            throw SealedSenderError(.invalidMAC, "the message secret does not give the message's ephemeral key")
        }
        var plaintext: [UInt8]
        do { plaintext = try AES256GCMSIV.open(ciphertext, key: key) } catch {
            throw SealedSenderError(.invalidMAC, "the v2 payload does not authenticate", underlying: error)
        }
        defer { SecretBytes.wipe(&plaintext) }
        let content = try UnidentifiedSenderMessageContent(serialized: plaintext)
        let expected = try authenticationTag(sender: content.senderCertificate.identityKey, senderAgreement: {
            try recipient.privateKey.sharedSecret(with: content.senderCertificate.identityKey.publicKey)
        }, ephemeral: ephemeral, c: c, recipient: recipient.identityKey)
        guard ConstantTime.equals(expected, at) else {
            throw SealedSenderError(.identityMismatch, "the v2 authentication tag is not from the certificate's identity")
        }
        return content
    }

    // MARK: Key schedule

    /// HKDF (zero salt) of `agreement ‖ rest`, the concatenation wiped after use.
    static func kdf(_ agreement: SecretBytes, _ rest: [UInt8], info: [UInt8], count: Int) throws -> SecretBytes {
        var ikm = agreement.withUnsafeBytes { Array($0) } + rest
        defer { SecretBytes.wipe(&ikm) }
        return try HKDF.deriveKey(inputKeyMaterial: ikm, info: info, outputByteCount: count)
    }

    /// E and K from M.
    static func derive(_ secret: SecretBytes) throws(SealedSenderError) -> (ECKeyPair, SecretBytes) {
        try SealedSenderV1.wrap {
            let r = try HKDF.deriveKey(inputKeyMaterial: secret, info: labelR, outputByteCount: 32)
            let key = try HKDF.deriveKey(inputKeyMaterial: secret, info: labelK, outputByteCount: 32)
            let privateKey = try r.withUnsafeBytes { try ECPrivateKey(rawRepresentation: Array($0)) }
            return (ECKeyPair(privateKey: privateKey), key)
        }
    }

    static func perRecipient(secret: SecretBytes, ephemeral: ECKeyPair, sender: IdentityKeyPair, recipient: IdentityKey) throws(SealedSenderError)
        -> ([UInt8], [UInt8]) {
        let mask = try SealedSenderV1.wrap {
            try kdf(try ephemeral.privateKey.sharedSecret(with: recipient.publicKey), ephemeral.publicKey.serialized + recipient.serialized,
                    info: labelDH, count: 32)
        }
        let c = zip(secret.withUnsafeBytes { Array($0) }, mask.withUnsafeBytes { Array($0) }).map { $0 ^ $1 }
        let at = try authenticationTag(sender: sender.identityKey, senderAgreement: { try sender.privateKey.sharedSecret(with: recipient.publicKey) },
                                       ephemeral: ephemeral.publicKey, c: c, recipient: recipient)
        return (c, at)
    }

    static func authenticationTag(sender: IdentityKey, senderAgreement: () throws -> SecretBytes, ephemeral: ECPublicKey, c: [UInt8],
                                  recipient: IdentityKey) throws(SealedSenderError) -> [UInt8] {
        try SealedSenderV1.wrap {
            try kdf(try senderAgreement(), ephemeral.serialized + c + sender.serialized + recipient.serialized, info: labelDHSender, count: 16)
                .withUnsafeBytes { Array($0) }
        }
    }
}
