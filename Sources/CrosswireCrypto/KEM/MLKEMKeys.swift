import Crypto
import FoundationEssentials

// swift-crypto-calling file (BoringSSL's FIPS 203 ML-KEM-1024).

/// An ML-KEM-1024 (FIPS 203) public key. Serialized the way libsignal serializes KEM keys: a type byte
/// followed by the raw key. Crosswire uses libsignal's ML-KEM-1024 type `0x0A`; the `0x08` round-3 Kyber
/// variant has different key derivation and no maintained implementation here.
public struct MLKEMPublicKey: Sendable, Equatable {
    public static let typeByte: UInt8 = 0x0A
    public static let rawCount = 1568
    public static let ciphertextCount = 1568

    let key: MLKEM1024.PublicKey
    public let rawRepresentation: [UInt8]

    /// The raw 1568-byte encapsulation key; the FIPS 203 modulus check is applied.
    public init<D: DataProtocol>(rawRepresentation: D) throws {
        guard rawRepresentation.count == Self.rawCount else {
            throw CryptoError(.invalidLength, "ML-KEM-1024 public key must be 1568 bytes, got \(rawRepresentation.count)")
        }
        do {
            key = try MLKEM1024.PublicKey(rawRepresentation: rawRepresentation)
        } catch {
            throw CryptoError(.invalidKEMInput, "ML-KEM-1024 public key failed the encoding check")
        }
        self.rawRepresentation = [UInt8](rawRepresentation)
    }

    init(key: MLKEM1024.PublicKey) {
        self.key = key
        self.rawRepresentation = [UInt8](key.rawRepresentation)
    }

    /// `0x0A ‖ raw` (1569 bytes).
    public init<D: DataProtocol>(serialized: D) throws {
        guard let first = serialized.first else {
            throw CryptoError(.invalidLength, "empty KEM public key")
        }
        guard first == Self.typeByte else {
            throw CryptoError(.invalidKeyType, "KEM key type byte 0x\(String(format2: first)) is not 0x0a")
        }
        try self.init(rawRepresentation: serialized.dropFirst())
    }

    public var serialized: [UInt8] { [Self.typeByte] + rawRepresentation }

    /// A fresh shared secret and the ciphertext that carries it. swift-crypto draws the randomness itself
    /// (FIPS 203 encapsulation is not injectable there), so this step is never deterministic.
    public func encapsulate() throws -> (sharedSecret: SecretBytes, ciphertext: [UInt8]) {
        let result = try key.encapsulate()
        let secret = result.sharedSecret.withUnsafeBytes { SecretBytes($0) }
        return (secret, [UInt8](result.encapsulated))
    }

    public static func == (a: MLKEMPublicKey, b: MLKEMPublicKey) -> Bool { a.rawRepresentation == b.rawRepresentation }
}

/// An ML-KEM-1024 private key, kept as its 64-byte FIPS 203 seed (d ‖ z), from which the expanded key is
/// rebuilt; the seed is what is stored.
public struct MLKEMPrivateKey: Sendable {
    public static let seedCount = 64

    let key: MLKEM1024.PrivateKey
    public let seed: SecretBytes

    public init(seed: SecretBytes) throws {
        guard seed.count == Self.seedCount else {
            throw CryptoError(.invalidLength, "ML-KEM-1024 seed must be 64 bytes, got \(seed.count)")
        }
        do {
            key = try seed.withUnsafeBytes { try MLKEM1024.PrivateKey(seedRepresentation: $0, publicKey: nil) }
        } catch {
            throw CryptoError(.invalidKEMInput, "ML-KEM-1024 seed was rejected")
        }
        self.seed = seed
    }

    public static func generate(using entropy: some EntropySource = SystemEntropy()) -> MLKEMPrivateKey {
        try! MLKEMPrivateKey(seed: SecretBytes(randomCount: seedCount, using: entropy))
    }

    public var publicKey: MLKEMPublicKey { MLKEMPublicKey(key: key.publicKey) }

    /// The shared secret in `ciphertext` (raw 1568 bytes). A wrong-length ciphertext is an error; a
    /// well-formed but wrong one yields FIPS 203's implicit-rejection secret, as the standard requires.
    public func decapsulate<D: DataProtocol>(_ ciphertext: D) throws -> SecretBytes {
        guard ciphertext.count == MLKEMPublicKey.ciphertextCount else {
            throw CryptoError(.invalidLength, "ML-KEM-1024 ciphertext must be 1568 bytes, got \(ciphertext.count)")
        }
        do {
            let secret = try key.decapsulate(ciphertext)
            return secret.withUnsafeBytes { SecretBytes($0) }
        } catch {
            throw CryptoError(.invalidKEMInput, "ML-KEM-1024 decapsulation failed")
        }
    }
}

extension MLKEMPrivateKey: CustomStringConvertible, CustomReflectable {
    public var description: String { "MLKEMPrivateKey(redacted)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
