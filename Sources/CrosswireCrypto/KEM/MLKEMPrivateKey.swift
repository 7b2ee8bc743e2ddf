import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// swift-crypto-calling file (BoringSSL's FIPS 203 ML-KEM-1024).

/// An ML-KEM-1024 private key, kept as its 64-byte FIPS 203 seed (d ‖ z), from which the expanded key is
/// rebuilt; the seed is what is stored.
public struct MLKEMPrivateKey: Sendable {
    /// Length of `seed`: FIPS 203's `d ‖ z`.
    public static let seedCount = 64

    let key: MLKEM1024.PrivateKey
    /// Secret: the 64-byte seed, the only form in which the key is stored.
    public let seed: SecretBytes

    /// Rebuilds the expanded key from a stored 64-byte seed; any other length is `invalidLength`.
    public init(seed: SecretBytes) throws(CryptoError) {
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

    /// A fresh key from 64 bytes of `entropy`, so seeded entropy gives reproducible keys.
    public static func generate(using entropy: some EntropySource = SystemEntropy()) -> MLKEMPrivateKey {
        try! MLKEMPrivateKey(seed: SecretBytes(randomCount: seedCount, using: entropy))
    }

    /// The encapsulation key to publish.
    public var publicKey: MLKEMPublicKey { MLKEMPublicKey(key: key.publicKey) }

    /// The shared secret in `ciphertext` (raw 1568 bytes). A wrong-length ciphertext is an error; a
    /// well-formed but wrong one yields FIPS 203's implicit-rejection secret, as the standard requires.
    public func decapsulate<D: DataProtocol>(_ ciphertext: D) throws(CryptoError) -> SecretBytes {
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
    /// Always redacted.
    public var description: String { "MLKEMPrivateKey(redacted)" }
    /// An empty mirror, so `dump` shows no seed.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
