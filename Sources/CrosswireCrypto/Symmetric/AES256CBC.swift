import Crypto
import CryptoExtras
import FoundationEssentials

// swift-crypto-calling file (BoringSSL's AES-NI CBC; libsodium has no CBC).

/// AES-256-CBC with PKCS#7 padding, the payload cipher of Signal 1:1 and Sender Key messages.
/// Keys and IVs come from the KDFs and are never transmitted. Padding is removed in constant time.
public enum AES256CBC {
    public static let keyCount = 32
    public static let ivCount = 16
    public static let blockCount = 16

    public static func encrypt<Plaintext: DataProtocol, IV: DataProtocol>(
        _ plaintext: Plaintext, key: SecretBytes, iv: IV
    ) throws -> [UInt8] {
        let (symmetricKey, cbcIV) = try parameters(key: key, iv: iv)
        return [UInt8](try AES._CBC.encrypt(plaintext, using: symmetricKey, iv: cbcIV))
    }

    public static func decrypt<Ciphertext: DataProtocol, IV: DataProtocol>(
        _ ciphertext: Ciphertext, key: SecretBytes, iv: IV
    ) throws -> [UInt8] {
        guard ciphertext.count > 0, ciphertext.count % blockCount == 0 else {
            throw CryptoError(.invalidCiphertextLength, "AES-CBC ciphertext must be a non-empty multiple of 16 bytes, got \(ciphertext.count)")
        }
        let (symmetricKey, cbcIV) = try parameters(key: key, iv: iv)
        do {
            return [UInt8](try AES._CBC.decrypt(ciphertext, using: symmetricKey, iv: cbcIV))
        } catch {
            throw CryptoError(.invalidPadding, "AES-CBC padding is invalid")
        }
    }

    private static func parameters<IV: DataProtocol>(key: SecretBytes, iv: IV) throws -> (SymmetricKey, AES._CBC.IV) {
        guard key.count == keyCount else {
            throw CryptoError(.invalidLength, "AES-256 key must be 32 bytes, got \(key.count)")
        }
        guard iv.count == ivCount else {
            throw CryptoError(.invalidLength, "AES-CBC IV must be 16 bytes, got \(iv.count)")
        }
        let symmetricKey = key.withUnsafeBytes { SymmetricKey(data: $0) }
        return (symmetricKey, try AES._CBC.IV(ivBytes: iv))
    }
}
