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
    /// The fetched cipher, for ``AES256CBCStream``.
    static var evpCipher: OpaquePointer { cipher.pointer }
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
        var written = 0
        var failure: CryptoError?
        let plaintext = [UInt8](unsafeUninitializedCapacity: ciphertext.count) { buffer, count in
            do throws(CryptoError) {
                written = try decrypt(ciphertext, key: key, iv: iv, into: UnsafeMutableRawBufferPointer(buffer))
            } catch {
                failure = error
            }
            count = failure == nil ? written : 0
        }
        if let failure { throw failure }
        return plaintext
    }

    private static func checkParameters(keyCount: Int, ivCount: Int) throws(CryptoError) {
        guard keyCount == Self.keyCount else {
            throw CryptoError(.invalidLength, "AES-256 key must be 32 bytes, got \(keyCount)")
        }
        guard ivCount == Self.ivCount else {
            throw CryptoError(.invalidLength, "AES-CBC IV must be 16 bytes, got \(ivCount)")
        }
    }

    /// The ciphertext length for `plaintextCount` bytes: PKCS#7 always adds 1…16.
    public static func ciphertextCount(forPlaintextCount plaintextCount: Int) -> Int {
        (plaintextCount / blockCount + 1) * blockCount
    }

    /// Encrypts into `output`, which must hold exactly `ciphertextCount(forPlaintextCount:)` bytes:
    /// no allocation (the per-message path writes straight into the message it builds).
    public static func encrypt(
        _ plaintext: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try checkParameters(keyCount: key.count, ivCount: iv.count)
        precondition(output.count == ciphertextCount(forPlaintextCount: plaintext.count))
        guard ThreadContexts.current.run(encrypt: true, plaintext, key: key, iv: iv, into: output.baseAddress!) == output.count else {
            throw CryptoError(.libraryFailure, "OpenSSL AES-256-CBC failed")
        }
    }

    /// Decrypts into `output` (at least `ciphertext.count` bytes) and returns the plaintext length
    /// after constant-time unpadding. On bad padding `output` is wiped and `invalidPadding` thrown.
    /// Only for ciphertext whose MAC or signature already verified.
    public static func decrypt(
        _ ciphertext: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) -> Int {
        guard ciphertext.count > 0, ciphertext.count % blockCount == 0 else {
            throw CryptoError(.invalidCiphertextLength, "AES-CBC ciphertext must be a non-empty multiple of 16 bytes, got \(ciphertext.count)")
        }
        try checkParameters(keyCount: key.count, ivCount: iv.count)
        precondition(output.count >= ciphertext.count)
        guard ThreadContexts.current.run(encrypt: false, ciphertext, key: key, iv: iv, into: output.baseAddress!) == ciphertext.count else {
            throw CryptoError(.libraryFailure, "OpenSSL AES-256-CBC failed")
        }
        let unpadded = unpaddedLength(UnsafeRawBufferPointer(rebasing: output[0..<ciphertext.count]))
        guard unpadded >= 0 else {
            OPENSSL_cleanse(output.baseAddress, ciphertext.count)
            throw CryptoError(.invalidPadding, "AES-CBC padding is invalid")
        }
        return unpadded
    }

    /// Encryption pads (PKCS#7 by OpenSSL); decryption runs with padding off and returns whole blocks.
    private static func run(encrypt: Bool, _ input: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        let capacity = encrypt ? ciphertextCount(forPlaintextCount: input.count) : input.count
        var written = 0
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            written = ThreadContexts.current.run(encrypt: encrypt, input, key: key, iv: iv, into: buffer.baseAddress!)
            count = max(written, 0)
        }
        if written != capacity { throw CryptoError(.libraryFailure, "OpenSSL AES-256-CBC failed") }
        return output
    }

    /// One encrypting and one decrypting `EVP_CIPHER_CTX` per thread, reused for every message (making
    /// and freeing one per call was two allocations per message). After each use the context is
    /// re-keyed with zeros, so no key schedule outlives its message; the pair is freed (and cleansed by
    /// OpenSSL) when the thread exits.
    struct ThreadContexts {
        let encrypting: OpaquePointer
        let decrypting: OpaquePointer

        private static let key: pthread_key_t = {
            var key = pthread_key_t()
            let status = pthread_key_create(&key) { pointer in
                guard let pointer else { return }
                let pair = pointer.assumingMemoryBound(to: OpaquePointer.self)
                EVP_CIPHER_CTX_free(pair[0])
                EVP_CIPHER_CTX_free(pair[1])
                pair.deallocate()
            }
            precondition(status == 0, "pthread_key_create failed")
            return key
        }()

        static var current: ThreadContexts {
            if let pointer = pthread_getspecific(key) {
                let pair = pointer.assumingMemoryBound(to: OpaquePointer.self)
                return ThreadContexts(encrypting: pair[0], decrypting: pair[1])
            }
            guard let encrypting = EVP_CIPHER_CTX_new(), let decrypting = EVP_CIPHER_CTX_new() else {
                fatalError("EVP_CIPHER_CTX_new failed (out of memory)")
            }
            let zeros = [UInt8](repeating: 0, count: 32)
            // Bind the cipher once; later calls pass no cipher and only re-key.
            guard EVP_EncryptInit_ex2(encrypting, cipher.pointer, zeros, zeros, nil) == 1,
                  EVP_DecryptInit_ex2(decrypting, cipher.pointer, zeros, zeros, nil) == 1,
                  EVP_CIPHER_CTX_set_padding(decrypting, 0) == 1 else {
                fatalError("OpenSSL could not set up AES-256-CBC")
            }
            let pair = UnsafeMutablePointer<OpaquePointer>.allocate(capacity: 2)
            pair.initialize(to: encrypting)
            (pair + 1).initialize(to: decrypting)
            pthread_setspecific(key, pair)
            return ThreadContexts(encrypting: encrypting, decrypting: decrypting)
        }

        /// Bytes written, or −1 when OpenSSL failed.
        func run(encrypt: Bool, _ input: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> Int {
            let context = encrypt ? encrypting : decrypting
            let output = out.assumingMemoryBound(to: UInt8.self)
            let inPointer = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
            let keyPointer = key.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let ivPointer = iv.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var written: Int32 = 0, final: Int32 = 0
            let ok: Bool
            if encrypt {
                ok = EVP_EncryptInit_ex2(context, nil, keyPointer, ivPointer, nil) == 1
                    && (input.count == 0 || EVP_EncryptUpdate(context, output, &written, inPointer, Int32(input.count)) == 1)
                    && EVP_EncryptFinal_ex(context, output + Int(written), &final) == 1
            } else {
                ok = EVP_DecryptInit_ex2(context, nil, keyPointer, ivPointer, nil) == 1
                    && EVP_DecryptUpdate(context, output, &written, inPointer, Int32(input.count)) == 1
                    && EVP_DecryptFinal_ex(context, output + Int(written), &final) == 1
            }
            Self.rekeyWithZeros(context, encrypt: encrypt)
            return ok ? Int(written + final) : -1
        }

        private static let zeroKey = [UInt8](repeating: 0, count: 32)

        private static func rekeyWithZeros(_ context: OpaquePointer, encrypt: Bool) {
            zeroKey.withUnsafeBufferPointer { zeros in
                let pointer = zeros.baseAddress!
                // The key schedule only: the chaining value left behind is the last ciphertext block
                // (public); re-keying without an IV costs ~60 ns instead of ~90.
                _ = encrypt ? EVP_EncryptInit_ex2(context, nil, pointer, nil, nil) : EVP_DecryptInit_ex2(context, nil, pointer, nil, nil)
            }
        }
    }

    /// The plaintext length after PKCS#7 padding, or −1 when the padding is malformed. Runs in time
    /// independent of the padding value: it always inspects the last 16 bytes.
    static func unpaddedLength(_ block: UnsafeRawBufferPointer) -> Int {
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
