import COpenSSL

// OpenSSL-calling file (EVP AES-256-CBC, AES-NI).

/// AES-256-CBC with PKCS#7 padding over input that arrives in pieces: what encrypts and decrypts an
/// attachment of any size in constant memory. Hazardous like ``AES256CBC``: it authenticates nothing.
///
/// Decryption holds back the last whole block until ``finish(into:)``, which removes the padding in
/// constant time (OpenSSL's own padding check is not constant time, so it is off). Callers must keep
/// the plaintext unreleased until their MAC has verified: CBC without a MAC is a padding oracle.
@_spi(Hazmat)
public struct AES256CBCStream: ~Copyable, @unchecked Sendable {  // the context is owned, never shared
    /// The direction of a stream.
    public enum Direction: Sendable { case encrypt, decrypt }

    private let context: OpaquePointer
    private let direction: Direction
    /// Decryption: the last whole plaintext block seen, not yet released.
    private var held = (UInt64(0), UInt64(0))
    private var isHolding = false
    private var processed = 0

    /// A stream keyed with `key` (32 bytes) and `iv` (16 bytes); the EVP context's key schedule is
    /// cleansed by OpenSSL when the stream is released.
    public init(_ direction: Direction, key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer) throws(CryptoError) {
        context = try Self.makeContext(direction, key: key, iv: iv)
        self.direction = direction
    }

    /// The same with the key as `range` of a secret (a slice of a key schedule), never copied out.
    public init(_ direction: Direction, key: SecretBytes, range: Range<Int>, iv: [UInt8]) throws(CryptoError) {
        let made: Result<OpaquePointer, CryptoError> = key.withUnsafeBytes { bytes in
            iv.withUnsafeBytes { iv in
                Result { () throws(CryptoError) in try Self.makeContext(direction, key: UnsafeRawBufferPointer(rebasing: bytes[range]), iv: iv) }
            }
        }
        context = try made.get()
        self.direction = direction
    }

    private static func makeContext(_ direction: Direction, key: UnsafeRawBufferPointer, iv: UnsafeRawBufferPointer) throws(CryptoError) -> OpaquePointer {
        guard key.count == AES256CBC.keyCount else {
            throw CryptoError(.invalidLength, "AES-256 key must be 32 bytes, got \(key.count)")
        }
        guard iv.count == AES256CBC.ivCount else {
            throw CryptoError(.invalidLength, "AES-CBC IV must be 16 bytes, got \(iv.count)")
        }
        guard let context = EVP_CIPHER_CTX_new() else {
            throw CryptoError(.libraryFailure, "EVP_CIPHER_CTX_new failed")
        }
        let keyPointer = key.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let ivPointer = iv.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let ok = direction == .encrypt
            ? EVP_EncryptInit_ex2(context, AES256CBC.evpCipher, keyPointer, ivPointer, nil) == 1
            : EVP_DecryptInit_ex2(context, AES256CBC.evpCipher, keyPointer, ivPointer, nil) == 1 && EVP_CIPHER_CTX_set_padding(context, 0) == 1
        guard ok else {
            EVP_CIPHER_CTX_free(context)
            throw CryptoError(.libraryFailure, "OpenSSL could not set up AES-256-CBC")
        }
        return context
    }

    /// Starts over with a new IV under the same key: for a format whose IV arrives at the head of its
    /// ciphertext (a Signal attachment) after the stream was keyed. Only before the first `update`.
    public mutating func restart(iv: UnsafeRawBufferPointer) throws(CryptoError) {
        precondition(processed == 0, "restart(iv:) after update")
        guard iv.count == AES256CBC.ivCount else {
            throw CryptoError(.invalidLength, "AES-CBC IV must be 16 bytes, got \(iv.count)")
        }
        let ivPointer = iv.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let ok = direction == .encrypt ? EVP_EncryptInit_ex2(context, nil, nil, ivPointer, nil) == 1
            : EVP_DecryptInit_ex2(context, nil, nil, ivPointer, nil) == 1
        guard ok else { throw CryptoError(.libraryFailure, "OpenSSL could not set the AES-CBC IV") }
    }

    /// The most bytes one `update` can write for `inputCount` input bytes.
    public static func outputCapacity(forInputCount inputCount: Int) -> Int {
        inputCount + 2 * AES256CBC.blockCount
    }

    /// Processes `input` and writes what is ready to `output` (at least
    /// `outputCapacity(forInputCount:)` bytes); returns how many bytes were written, always whole blocks.
    public mutating func update(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CryptoError) -> Int {
        guard input.count > 0 else { return 0 }
        precondition(output.count >= Self.outputCapacity(forInputCount: input.count))
        guard input.count <= Int(Int32.max) - 32 else {
            throw CryptoError(.invalidLength, "AES-CBC stream chunks are at most 2 GiB")
        }
        let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let inPointer = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var written: Int32 = 0
        processed += input.count
        if direction == .encrypt {
            guard EVP_EncryptUpdate(context, out, &written, inPointer, Int32(input.count)) == 1 else {
                throw CryptoError(.libraryFailure, "OpenSSL AES-256-CBC failed")
            }
            return Int(written)
        }
        // Decryption: the held block goes first, the newly decrypted blocks after it, and the last
        // whole block written is held back again.
        let offset = isHolding ? AES256CBC.blockCount : 0
        if isHolding { withUnsafeBytes(of: held) { output.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 16) } }
        guard EVP_DecryptUpdate(context, out + offset, &written, inPointer, Int32(input.count)) == 1 else {
            throw CryptoError(.libraryFailure, "OpenSSL AES-256-CBC failed")
        }
        let total = offset + Int(written)
        guard total >= AES256CBC.blockCount else { return 0 }
        withUnsafeMutableBytes(of: &held) { $0.copyMemory(from: UnsafeRawBufferPointer(start: output.baseAddress! + total - 16, count: 16)) }
        isHolding = true
        OPENSSL_cleanse(output.baseAddress! + total - 16, 16)
        return total - AES256CBC.blockCount
    }

    /// Ends the stream: encryption writes the final padded block (16 bytes); decryption checks that the
    /// ciphertext was a non-empty multiple of 16 bytes, removes the padding of the held block in
    /// constant time and writes what remains (0…15 bytes). `output` holds at least 16 bytes.
    public mutating func finish(into output: UnsafeMutableRawBufferPointer) throws(CryptoError) -> Int {
        precondition(output.count >= AES256CBC.blockCount)
        let out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var written: Int32 = 0
        if direction == .encrypt {
            guard EVP_EncryptFinal_ex(context, out, &written) == 1 else {
                throw CryptoError(.libraryFailure, "OpenSSL AES-256-CBC failed")
            }
            return Int(written)
        }
        guard processed > 0, processed % AES256CBC.blockCount == 0, isHolding else {
            throw CryptoError(.invalidCiphertextLength, "AES-CBC ciphertext must be a non-empty multiple of 16 bytes, got \(processed)")
        }
        let unpadded = withUnsafeBytes(of: held) { block in
            let count = AES256CBC.unpaddedLength(block)
            if count > 0 { output.baseAddress!.copyMemory(from: block.baseAddress!, byteCount: count) }
            return count
        }
        withUnsafeMutableBytes(of: &held) { OPENSSL_cleanse($0.baseAddress, 16) }
        isHolding = false
        guard unpadded >= 0 else {
            throw CryptoError(.invalidPadding, "AES-CBC padding is invalid")
        }
        return unpadded
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }
}
