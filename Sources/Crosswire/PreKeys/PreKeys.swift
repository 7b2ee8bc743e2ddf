import CrosswireCrypto
import CrosswireWire

/// A prekey id. libsignal's Java heritage keeps ids below 2^24 (`Medium.MAX_VALUE`); Crosswire issues
/// ids in that range and accepts any `UInt32` from peers.
public struct PreKeyID: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public static let maxIssued: UInt32 = 0xFF_FFFF
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ value: UInt32) { rawValue = value }
    public var description: String { String(rawValue) }
}

/// A signed prekey id (its own space, as in libsignal).
public struct SignedPreKeyID: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ value: UInt32) { rawValue = value }
    public var description: String { String(rawValue) }
}

/// A one-time prekey: used for at most one session, deleted after the first successful decrypt.
public struct OneTimePreKey: Sendable {
    public let id: PreKeyID
    public let keyPair: ECKeyPair

    public init(id: PreKeyID, keyPair: ECKeyPair) {
        self.id = id
        self.keyPair = keyPair
    }

    /// `count` keys with consecutive ids from `start` (wrapping within 1...2^24−1).
    public static func generateBatch(
        startingAt start: PreKeyID, count: Int, using entropy: some EntropySource = SystemEntropy()
    ) -> [OneTimePreKey] {
        (0..<count).map { offset in
            let raw = (start.rawValue - 1 + UInt32(offset)) % PreKeyID.maxIssued + 1
            return OneTimePreKey(id: PreKeyID(raw), keyPair: .generate(using: entropy))
        }
    }

    /// Record form `{1 id, 2 public 33 B, 3 private 32 B}` (libsignal's PreKeyRecordStructure). Secret.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 80)
        writer.appendUInt(field: 1, UInt64(id.rawValue))
        writer.appendBytes(field: 2, keyPair.publicKey.serialized)
        writer.appendBytes(field: 3, keyPair.privateKey.rawRepresentation.unprotectedBytes)
        return writer.bytes
    }

    public init(serialized: [UInt8]) throws {
        var reader = ProtobufReader(serialized)
        var id: UInt32?, privateBytes: [UInt8]?
        while let field = try reader.next() {
            switch field.number {
            case 1: id = try field.value.uint32(field: 1)
            case 3: privateBytes = try field.value.bytes(field: 3, count: 32)
            default: continue
            }
        }
        guard let id, let privateBytes else { throw ProtocolError(.corruptRecord, "prekey record lacks a field") }
        self.init(id: PreKeyID(id), keyPair: ECKeyPair(privateKey: try ECPrivateKey(rawRepresentation: privateBytes)))
    }
}

/// A medium-term prekey signed by the identity key (XEdDSA over the 33-byte serialized public key).
public struct SignedPreKey: Sendable {
    public let id: SignedPreKeyID
    public let keyPair: ECKeyPair
    public let signature: [UInt8]
    /// Milliseconds since 1970, when it was made (for rotation policy).
    public let timestamp: UInt64

    public init(id: SignedPreKeyID, keyPair: ECKeyPair, signature: [UInt8], timestamp: UInt64) {
        self.id = id
        self.keyPair = keyPair
        self.signature = signature
        self.timestamp = timestamp
    }

    public static func generate(
        id: SignedPreKeyID, signedBy identity: IdentityKeyPair, timestamp: UInt64,
        using entropy: some EntropySource = SystemEntropy()
    ) -> SignedPreKey {
        let keyPair = ECKeyPair.generate(using: entropy)
        let signature = identity.signature(for: keyPair.publicKey.serialized, using: entropy)
        return SignedPreKey(id: id, keyPair: keyPair, signature: signature, timestamp: timestamp)
    }

    /// Record form `{1 id, 2 public, 3 private, 4 signature, 5 fixed64 timestamp}`. Secret.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 160)
        writer.appendUInt(field: 1, UInt64(id.rawValue))
        writer.appendBytes(field: 2, keyPair.publicKey.serialized)
        writer.appendBytes(field: 3, keyPair.privateKey.rawRepresentation.unprotectedBytes)
        writer.appendBytes(field: 4, signature)
        writer.appendFixed64(field: 5, timestamp)
        return writer.bytes
    }

    public init(serialized: [UInt8]) throws {
        var reader = ProtobufReader(serialized)
        var id: UInt32?, privateBytes: [UInt8]?, signature: [UInt8]?, timestamp: UInt64 = 0
        while let field = try reader.next() {
            switch field.number {
            case 1: id = try field.value.uint32(field: 1)
            case 3: privateBytes = try field.value.bytes(field: 3, count: 32)
            case 4: signature = try field.value.bytes(field: 4, count: 64)
            case 5: if case .fixed64(let value) = field.value { timestamp = value }
            default: continue
            }
        }
        guard let id, let privateBytes, let signature else {
            throw ProtocolError(.corruptRecord, "signed prekey record lacks a field")
        }
        self.init(id: SignedPreKeyID(id), keyPair: ECKeyPair(privateKey: try ECPrivateKey(rawRepresentation: privateBytes)),
                  signature: signature, timestamp: timestamp)
    }
}

/// What a device publishes so that others can start sessions with it. Building one checks the signed
/// prekey's signature, so a `PreKeyBundle` value is always authentic to its identity key.
public struct PreKeyBundle: Sendable {
    public let registrationID: UInt32
    public let deviceID: DeviceID
    public let identityKey: IdentityKey
    public let signedPreKeyID: SignedPreKeyID
    public let signedPreKey: ECPublicKey
    public let signedPreKeySignature: [UInt8]
    public let preKeyID: PreKeyID?
    public let preKey: ECPublicKey?
    /// The ML-KEM-1024 prekey: present → PQXDH (v4), absent → X3DH (v3).
    public let kemPreKeyID: KEMPreKeyID?
    public let kemPreKey: MLKEMPublicKey?
    public let kemPreKeySignature: [UInt8]?

    public init(
        registrationID: UInt32, deviceID: DeviceID, identityKey: IdentityKey,
        signedPreKeyID: SignedPreKeyID, signedPreKey: ECPublicKey, signedPreKeySignature: [UInt8],
        preKeyID: PreKeyID? = nil, preKey: ECPublicKey? = nil,
        kemPreKeyID: KEMPreKeyID? = nil, kemPreKey: MLKEMPublicKey? = nil, kemPreKeySignature: [UInt8]? = nil
    ) throws {
        guard (preKeyID == nil) == (preKey == nil) else {
            throw ProtocolError(.invalidArgument, "a one-time prekey needs both its id and its key")
        }
        guard (kemPreKeyID == nil) == (kemPreKey == nil), (kemPreKey == nil) == (kemPreKeySignature == nil) else {
            throw ProtocolError(.invalidArgument, "a KEM prekey needs its id, key and signature together")
        }
        if let kemPreKey, let kemPreKeySignature, !identityKey.isValidSignature(kemPreKeySignature, for: kemPreKey.serialized) {
            throw ProtocolError(.invalidSignature, "KEM prekey \(kemPreKeyID!) is not signed by the bundle's identity key")
        }
        guard identityKey.isValidSignature(signedPreKeySignature, for: signedPreKey.serialized) else {
            throw ProtocolError(.invalidSignature, "signed prekey \(signedPreKeyID) is not signed by the bundle's identity key")
        }
        self.registrationID = registrationID
        self.deviceID = deviceID
        self.identityKey = identityKey
        self.signedPreKeyID = signedPreKeyID
        self.signedPreKey = signedPreKey
        self.signedPreKeySignature = signedPreKeySignature
        self.preKeyID = preKeyID
        self.preKey = preKey
        self.kemPreKeyID = kemPreKeyID
        self.kemPreKey = kemPreKey
        self.kemPreKeySignature = kemPreKeySignature
    }
}
