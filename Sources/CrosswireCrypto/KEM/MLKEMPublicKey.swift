import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// swift-crypto-calling file (BoringSSL's FIPS 203 ML-KEM-1024).

/// An ML-KEM-1024 (FIPS 203) public key. Serialized the way libsignal serializes KEM keys: a type byte
/// followed by the raw key. Crosswire uses libsignal's ML-KEM-1024 type `0x0A`; the `0x08` round-3 Kyber
/// variant has different key derivation and no maintained implementation here.
public struct MLKEMPublicKey: Sendable, Equatable {
    /// libsignal's ML-KEM-1024 KEM type byte; `0x08` (round-3 Kyber) is refused.
    public static let typeByte: UInt8 = 0x0A
    /// Length of `rawRepresentation`, the FIPS 203 encapsulation key.
    public static let rawCount = 1568
    /// Length of a raw ciphertext (without libsignal's type byte).
    public static let ciphertextCount = 1568

    let key: MLKEM1024.PublicKey
    /// The 1568-byte encapsulation key, without the type byte.
    public let rawRepresentation: [UInt8]

    /// The raw 1568-byte encapsulation key; the FIPS 203 modulus check is applied.
    public init<D: DataProtocol>(rawRepresentation: D) throws(CryptoError) {
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

    /// `0x0A ‖ raw` (1569 bytes); another type byte is `invalidKeyType`.
    public init<D: DataProtocol>(serialized: D) throws(CryptoError) {
        guard let first = serialized.first else {
            throw CryptoError(.invalidLength, "empty KEM public key")
        }
        guard first == Self.typeByte else {
            throw CryptoError(.invalidKeyType, "KEM key type byte 0x\(Hex.encode([first])) is not 0x0a")
        }
        try self.init(rawRepresentation: serialized.dropFirst())
    }

    /// `0x0A ‖ raw`, the form in prekey bundles and records.
    public var serialized: [UInt8] { [Self.typeByte] + rawRepresentation }

    /// A fresh shared secret and the ciphertext that carries it. swift-crypto draws the randomness itself
    /// (FIPS 203 encapsulation is not injectable there), so this step is never deterministic.
    public func encapsulate() throws(CryptoError) -> (sharedSecret: SecretBytes, ciphertext: [UInt8]) {
        let result: KEM.EncapsulationResult
        do {
            result = try key.encapsulate()
        } catch {
            throw CryptoError(.libraryFailure, "ML-KEM-1024 encapsulation failed")
        }
        let secret = result.sharedSecret.withUnsafeBytes { SecretBytes($0) }
        return (secret, [UInt8](result.encapsulated))
    }

    /// Byte equality of the raw keys (public data, so not constant time).
    public static func == (a: MLKEMPublicKey, b: MLKEMPublicKey) -> Bool { a.rawRepresentation == b.rawRepresentation }
}
