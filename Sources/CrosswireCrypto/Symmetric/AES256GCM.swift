import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// OpenSSL-calling file (EVP AES-256-GCM, AES-NI and PCLMULQDQ).

/// AES-256-GCM as one sealed string `nonce (12) ‖ ciphertext ‖ tag (16)`, with a random nonce per seal:
/// the at-rest sealing of storage rows. Random 96-bit nonces keep the collision chance below 2⁻³² for
/// up to 2³² seals under one key (NIST SP 800-38D §8.3); the SQLite store derives a key per database
/// file, so that budget is per file. The tag is checked by OpenSSL in constant time before any
/// plaintext is returned.
public enum AES256GCM {
    /// The nonce length; the nonce leads the sealed string.
    public static let nonceCount = 12
    /// The tag length; the tag ends the sealed string.
    public static let tagCount = 16
    /// What sealing adds to a plaintext.
    public static let overhead = nonceCount + tagCount

    private struct Cipher: @unchecked Sendable { let pointer: OpaquePointer }
    private static let cipher: Cipher = {
        guard let pointer = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) else { fatalError("OpenSSL has no AES-256-GCM") }
        return Cipher(pointer: pointer)
    }()

    /// `plaintext` sealed under `key`, authenticating `associatedData` too (it is not included).
    public static func seal<Plaintext: DataProtocol, AAD: DataProtocol>(
        _ plaintext: Plaintext, key: SymmetricKey256, authenticating associatedData: AAD,
        using entropy: some EntropySource = SystemEntropy()
    ) -> [UInt8] {
        withContiguous(plaintext) { input in
            withContiguous(associatedData) { aad in
                key.rawRepresentation.withUnsafeBytes { keyBytes in
                    seal(input, key: keyBytes, aad: aad, entropy: entropy)
                }
            }
        }
    }

    /// The plaintext of a sealed string, or `authenticationFailure` when the key, the associated data
    /// or any byte differs from the seal's.
    public static func open<Sealed: DataProtocol, AAD: DataProtocol>(
        _ sealed: Sealed, key: SymmetricKey256, authenticating associatedData: AAD
    ) throws(CryptoError) -> [UInt8] {
        let result: Result<[UInt8], CryptoError> = withContiguous(sealed) { input in
            withContiguous(associatedData) { aad in
                key.rawRepresentation.withUnsafeBytes { keyBytes in
                    Result { () throws(CryptoError) in try open(input, key: keyBytes, aad: aad) }
                }
            }
        }
        return try result.get()
    }

    private static func seal(_ input: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer, entropy: some EntropySource) -> [UInt8] {
        guard let context = EVP_CIPHER_CTX_new() else { fatalError("EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        return [UInt8](unsafeUninitializedCapacity: input.count + overhead) { buffer, count in
            let out = UnsafeMutableRawBufferPointer(buffer)
            entropy.fill(UnsafeMutableRawBufferPointer(rebasing: out[0..<nonceCount]))
            let nonce = buffer.baseAddress!
            let body = nonce + nonceCount
            var written: Int32 = 0, final: Int32 = 0, ignored: Int32 = 0
            let ok = EVP_EncryptInit_ex2(context, cipher.pointer, key.baseAddress!.assumingMemoryBound(to: UInt8.self), nonce, nil) == 1
                && (aad.isEmpty || EVP_EncryptUpdate(context, nil, &ignored, aad.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(aad.count)) == 1)
                && (input.isEmpty || EVP_EncryptUpdate(context, body, &written, input.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(input.count)) == 1)
                && EVP_EncryptFinal_ex(context, body + Int(written), &final) == 1
                && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagCount), body + input.count) == 1
            guard ok else { fatalError("OpenSSL AES-256-GCM sealing failed") }
            count = input.count + overhead
        }
    }

    private static func open(_ input: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        guard input.count >= overhead else {
            throw CryptoError(.invalidLength, "an AES-GCM sealed string is at least \(overhead) bytes, got \(input.count)")
        }
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoError(.libraryFailure, "EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        let bodyCount = input.count - overhead
        let base = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var authentic = false
        var plaintext = [UInt8](unsafeUninitializedCapacity: max(bodyCount, 1)) { buffer, count in
            var written: Int32 = 0, final: Int32 = 0, ignored: Int32 = 0
            let tag = UnsafeMutableRawPointer(mutating: base + nonceCount + bodyCount)
            guard EVP_DecryptInit_ex2(context, cipher.pointer, key.baseAddress!.assumingMemoryBound(to: UInt8.self), base, nil) == 1,
                  aad.isEmpty || EVP_DecryptUpdate(context, nil, &ignored, aad.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(aad.count)) == 1,
                  bodyCount == 0 || EVP_DecryptUpdate(context, buffer.baseAddress!, &written, base + nonceCount, Int32(bodyCount)) == 1,
                  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagCount), tag) == 1
            else { count = 0; return }
            authentic = EVP_DecryptFinal_ex(context, buffer.baseAddress! + Int(written), &final) == 1
            count = authentic ? bodyCount : Int(written)
        }
        guard authentic else {
            plaintext.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
            throw CryptoError(.authenticationFailure, "AES-GCM tag does not verify (wrong key, wrong associated data, or altered bytes)")
        }
        return plaintext
    }
}
