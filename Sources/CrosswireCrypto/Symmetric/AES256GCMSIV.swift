import Crypto
import CryptoExtras
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// swift-crypto-calling file (CryptoExtras' AES-GCM-SIV; Debian's OpenSSL 3.0 has no GCM-SIV).

/// AES-256-GCM-SIV with the all-zero nonce and no associated data, as sealed sender v2 uses it (each
/// key seals one message): `ciphertext ‖ tag (16)`. Misuse-resistant: a repeated nonce leaks only
/// equality of messages. Hazardous in general use (a fixed nonce), so `@_spi(Hazmat)`.
@_spi(Hazmat)
public enum AES256GCMSIV {
    /// The tag length.
    public static let tagCount = 16

    /// `plaintext` sealed under `key` (32 bytes) with the zero nonce.
    public static func seal(_ plaintext: [UInt8], key: SecretBytes) throws(CryptoError) -> [UInt8] {
        do {
            let box = try key.withUnsafeBytes { bytes in
                try AES.GCM._SIV.seal(plaintext, using: SymmetricKey(data: bytes), nonce: try AES.GCM._SIV.Nonce(data: [UInt8](repeating: 0, count: 12)))
            }
            return Array(box.ciphertext) + Array(box.tag)
        } catch {
            throw CryptoError(.libraryFailure, "AES-256-GCM-SIV sealing failed: \(error)")
        }
    }

    /// The plaintext of `sealed` (`ciphertext ‖ tag`), or `authenticationFailure`.
    public static func open(_ sealed: [UInt8], key: SecretBytes) throws(CryptoError) -> [UInt8] {
        guard sealed.count >= tagCount else { throw CryptoError(.authenticationFailure, "GCM-SIV input shorter than its tag") }
        do {
            let box = try AES.GCM._SIV.SealedBox(combined: [UInt8](repeating: 0, count: 12) + sealed)
            return try key.withUnsafeBytes { bytes in Array(try AES.GCM._SIV.open(box, using: SymmetricKey(data: bytes))) }
        } catch {
            throw CryptoError(.authenticationFailure, "AES-256-GCM-SIV tag does not verify")
        }
    }
}
