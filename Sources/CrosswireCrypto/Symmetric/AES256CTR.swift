import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// OpenSSL-calling file (EVP AES-256-CTR, AES-NI).

/// AES-256 in counter mode with a 16-byte IV whose last four bytes count up big-endian: libsignal's
/// `Ctr32BE` for sealed sender, which always starts from the all-zero IV. OpenSSL increments the whole
/// 128-bit block, which is the same for any input under 2^32 blocks (64 GiB); longer input is refused.
/// Hazardous: it authenticates nothing (sealed sender MACs around it), so it is `@_spi(Hazmat)`.
@_spi(Hazmat)
public enum AES256CTR {
    /// AES-256 key length.
    public static let keyCount = 32
    /// The largest input: 2^32 blocks, where the 32-bit counter would wrap.
    public static let maximumCount = Int(UInt32.max) * 16

    private struct Cipher: @unchecked Sendable { let pointer: OpaquePointer }
    private static let cipher: Cipher = {
        guard let pointer = EVP_CIPHER_fetch(nil, "AES-256-CTR", nil) else { fatalError("OpenSSL has no AES-256-CTR") }
        return Cipher(pointer: pointer)
    }()

    /// `input` XORed with the key stream from the all-zero IV: encrypts and decrypts alike.
    public static func apply(_ input: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        guard key.count == keyCount else { throw CryptoError(.invalidLength, "AES-256-CTR key must be 32 bytes, got \(key.count)") }
        guard input.count <= maximumCount else { throw CryptoError(.invalidLength, "AES-256-CTR input over 2^32 blocks") }
        if input.isEmpty { return [] }
        guard let context = EVP_CIPHER_CTX_new() else { fatalError("EVP_CIPHER_CTX_new failed (out of memory)") }
        defer { EVP_CIPHER_CTX_free(context) }
        let iv = [UInt8](repeating: 0, count: 16)
        var ok = iv.withUnsafeBufferPointer { ivBuffer in
            EVP_EncryptInit_ex2(context, cipher.pointer, key.baseAddress!.assumingMemoryBound(to: UInt8.self), ivBuffer.baseAddress, nil)
        } == 1
        var written: Int32 = 0
        let output = [UInt8](unsafeUninitializedCapacity: input.count) { buffer, count in
            if ok {
                ok = EVP_EncryptUpdate(context, buffer.baseAddress, &written, input.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                       Int32(input.count)) == 1
            }
            count = ok ? Int(written) : 0
        }
        guard ok, output.count == input.count else { throw CryptoError(.libraryFailure, "OpenSSL AES-256-CTR failed") }
        return output
    }

    /// The same over `DataProtocol` input and a secret key.
    public static func apply(_ input: some DataProtocol, key: SecretBytes) throws(CryptoError) -> [UInt8] {
        let result = withContiguous(input) { input in
            key.withUnsafeBytes { key in Result { () throws(CryptoError) -> [UInt8] in try apply(input, key: key) } }
        }
        return try result.get()
    }
}
