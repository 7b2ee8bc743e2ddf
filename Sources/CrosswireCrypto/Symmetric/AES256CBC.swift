import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// OpenSSL-calling file (EVP AES-256-CBC, AES-NI).

/// AES-256-CBC with PKCS#7 padding, the payload cipher of Signal 1:1 and Sender Key messages.
/// Hazardous: it authenticates nothing (the protocol MACs or signs around it), so it is `@_spi(Hazmat)`.
/// Keys and IVs come from the KDFs and are never transmitted. Decryption refuses bad lengths before
/// decrypting and removes the padding in constant time (OpenSSL's own padding check is not constant
/// time, so it is switched off).
@_spi(Hazmat)
public enum AES256CBC {
    /// AES-256 key length; AES-128 and AES-192 are refused by design.
    public static let keyCount = 32
    /// IV length; the IV comes from the KDF, never from the wire.
    public static let ivCount = 16
    /// Cipher block length: ciphertexts are a non-empty multiple of it.
    public static let blockCount = 16

    /// Fetched once; an `EVP_CIPHER` is immutable and shared safely between threads.
    private struct Cipher: @unchecked Sendable { let pointer: OpaquePointer }
    private static let cipher: Cipher = {
        guard let pointer = EVP_CIPHER_fetch(nil, "AES-256-CBC", nil) else {
            fatalError("OpenSSL has no AES-256-CBC")
        }
        return Cipher(pointer: pointer)
    }()

    /// PKCS#7-padded ciphertext of `plaintext` (always 1…16 bytes longer). Unauthenticated: MAC or sign
    /// the result.
    public static func encrypt<Plaintext: DataProtocol, IV: DataProtocol>(
        _ plaintext: Plaintext, key: SecretBytes, iv: IV
    ) throws -> [UInt8] {
        try withContiguous(plaintext) { input in
            try withContiguous(iv) { try encrypt(input, key: key, iv: $0) }
        }
    }

    /// Non-generic entry point (no specialisation needed across modules): the per-message path.
    public static func encrypt(_ plaintext: UnsafeRawBufferPointer, key: SecretBytes, iv: UnsafeRawBufferPointer) throws -> [UInt8] {
        try key.withUnsafeBytes { try encrypt(plaintext, key: $0, iv: iv) }
    }

    /// With the key given as raw bytes inside a caller's secret (e.g. a slice of KDF output).
    public static func encrypt(_ plaintext: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        try checkParameters(keyCount: key.count, ivCount: iv.count)
        return try run(encrypt: true, plaintext, key: key, iv: iv)
    }

    /// The plaintext, after constant-time unpadding. Only call it on ciphertext whose MAC or signature
    /// has already verified: CBC decryption of forged input is a padding oracle waiting to happen.
    public static func decrypt<Ciphertext: DataProtocol, IV: DataProtocol>(
        _ ciphertext: Ciphertext, key: SecretBytes, iv: IV
    ) throws -> [UInt8] {
        try withContiguous(ciphertext) { input in
            try withContiguous(iv) { try decrypt(input, key: key, iv: $0) }
        }
    }

    /// Non-generic entry point: the per-message path.
    public static func decrypt(_ ciphertext: UnsafeRawBufferPointer, key: SecretBytes, iv: UnsafeRawBufferPointer) throws -> [UInt8] {
        try key.withUnsafeBytes { try decrypt(ciphertext, key: $0, iv: iv) }
    }

    /// With the key given as raw bytes inside a caller's secret.
    public static func decrypt(_ ciphertext: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        guard ciphertext.count > 0, ciphertext.count % blockCount == 0 else {
            throw CryptoError(.invalidCiphertextLength, "AES-CBC ciphertext must be a non-empty multiple of 16 bytes, got \(ciphertext.count)")
        }
        try checkParameters(keyCount: key.count, ivCount: iv.count)
        var padded = try run(encrypt: false, ciphertext, key: key, iv: iv)
        let unpaddedCount = unpaddedLength(padded)
        guard unpaddedCount >= 0 else {
            padded.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
            throw CryptoError(.invalidPadding, "AES-CBC padding is invalid")
        }
        padded.removeLast(padded.count - unpaddedCount)
        return padded
    }

    private static func checkParameters(keyCount: Int, ivCount: Int) throws(CryptoError) {
        guard keyCount == Self.keyCount else {
            throw CryptoError(.invalidLength, "AES-256 key must be 32 bytes, got \(keyCount)")
        }
        guard ivCount == Self.ivCount else {
            throw CryptoError(.invalidLength, "AES-CBC IV must be 16 bytes, got \(ivCount)")
        }
    }

    /// Encryption pads (PKCS#7 by OpenSSL); decryption runs with padding off and returns whole blocks.
    private static func run(encrypt: Bool, _ input: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        guard let context = EVP_CIPHER_CTX_new() else {
            throw CryptoError(.libraryFailure, "EVP_CIPHER_CTX_new failed")
        }
        defer { EVP_CIPHER_CTX_free(context) }
        let capacity = input.count + blockCount
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            let out = buffer.baseAddress!
            let inPointer = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
            var written: Int32 = 0, final: Int32 = 0
            let ok = { () -> Bool in
                let keyPointer = key.baseAddress!.assumingMemoryBound(to: UInt8.self)
                let ivPointer = iv.baseAddress!.assumingMemoryBound(to: UInt8.self)
                if encrypt {
                    return EVP_EncryptInit_ex2(context, cipher.pointer, keyPointer, ivPointer, nil) == 1
                        && (input.count == 0 || EVP_EncryptUpdate(context, out, &written, inPointer, Int32(input.count)) == 1)
                        && EVP_EncryptFinal_ex(context, out + Int(written), &final) == 1
                } else {
                    return EVP_DecryptInit_ex2(context, cipher.pointer, keyPointer, ivPointer, nil) == 1
                        && EVP_CIPHER_CTX_set_padding(context, 0) == 1
                        && EVP_DecryptUpdate(context, out, &written, inPointer, Int32(input.count)) == 1
                        && EVP_DecryptFinal_ex(context, out + Int(written), &final) == 1
                }
            }()
            failed = !ok
            count = ok ? Int(written + final) : 0
        }
        if failed { throw CryptoError(.libraryFailure, "OpenSSL AES-256-CBC failed") }
        return output
    }

    /// The plaintext length after PKCS#7 padding, or −1 when the padding is malformed. Runs in time
    /// independent of the padding value: it always inspects the last 16 bytes.
    static func unpaddedLength(_ block: [UInt8]) -> Int {
        let count = block.count
        let pad = Int(block[count - 1])
        // good = 1 ≤ pad ≤ 16
        var bad = UInt8(truncatingIfNeeded: ((pad &- 1) >> 8) | ((16 &- pad) >> 8))
        for i in 0..<blockCount {
            // Bytes within the padding (i < pad) must equal pad.
            let inPad = UInt8(truncatingIfNeeded: (i &- pad) >> 8)  // 0xFF when i < pad
            bad |= inPad & (block[count - 1 - i] ^ UInt8(truncatingIfNeeded: pad))
        }
        return bad == 0 ? count - pad : -1
    }
}
