@_spi(Hazmat) import CrosswireCrypto

/// Decrypts one blob chunk by chunk in constant memory, checking it against an
/// ``AttachmentReference`` (SPEC §14.2). Hazardous: `update` writes plaintext that is not yet
/// authenticated. Only `finish` says whether the blob is genuine, so whatever `update` wrote must stay
/// invisible until `finish` returns: ``AttachmentCipher`` writes it to an unnamed file that gets its
/// name only then, or verifies the whole blob in a first pass.
///
/// The last MAC-length bytes of the input are held back as the MAC, and the last whole block of
/// plaintext until its padding is checked. For Signal with a size, bytes past the size are checked to be
/// zeros and not written.
@_spi(Hazmat)
public struct AttachmentDecryptor: ~Copyable, Sendable {
    /// Extra output room `update` needs beyond its input.
    public static let overheadCount = 64

    private let reference: AttachmentReference
    private var cipher: AES256CBCStream
    private var mac: HMACStream
    private var blobHash = SHA256Hash()
    private var plaintextHash: SHA256Hash?
    /// Signal: IV bytes still to collect from the head of the blob.
    private var header: [UInt8] = []
    private var headerLeft: Int
    /// The newest `macCount` bytes of input, which may turn out to be the MAC.
    private var tail: [UInt8] = []
    private var blobCount = 0
    private var plaintextCount = 0
    private var paddingIsZero = true

    /// A decryptor that will check the blob against `reference`.
    public init(expecting reference: AttachmentReference) throws(AttachmentError) {
        self.reference = reference
        let schedule = reference.key.schedule()
        let iv: [UInt8]
        switch reference.key.format {
        case .signal:
            iv = [UInt8](repeating: 0, count: 16)  // replaced by the blob's own IV
            headerLeft = 16
            plaintextHash = nil
        case .whatsApp:
            iv = schedule.withUnsafeBytes { Array($0[64..<80]) }
            headerLeft = 0
            plaintextHash = SHA256Hash()
        }
        do {
            cipher = try AES256CBCStream(.decrypt, key: schedule, range: 0..<32, iv: iv)
        } catch {
            throw AttachmentError(.ioFailure, "the cipher could not be set up", underlying: error)
        }
        mac = HMACStream(key: schedule, range: 32..<64)
        if headerLeft == 0 { iv.withUnsafeBytes { mac.update($0) } }
        tail.reserveCapacity(2 * reference.key.format.macCount)
    }

    /// Feeds `chunk` of the blob and writes the plaintext it completes to `output` (at least
    /// `chunk.count + overheadCount` bytes). The plaintext is **unauthenticated** until `finish`.
    public mutating func update(_ chunk: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(AttachmentError) -> Int {
        precondition(output.count >= chunk.count + Self.overheadCount)
        guard chunk.count > 0 else { return 0 }
        blobHash.update(chunk)
        blobCount += chunk.count
        var input = chunk
        if headerLeft > 0 {
            let take = min(headerLeft, input.count)
            header += input[0..<take]
            headerLeft -= take
            input = UnsafeRawBufferPointer(rebasing: input[take...])
            if headerLeft == 0 {
                do {
                    try header.withBytes { iv throws(CryptoError) in try cipher.restart(iv: iv) }
                } catch {
                    throw AttachmentError(.ioFailure, "the cipher could not be set up", underlying: error)
                }
                header.withUnsafeBytes { mac.update($0) }
            }
        }
        let macCount = reference.key.format.macCount
        // Ciphertext = everything but the newest macCount bytes seen so far.
        let combined = tail.count + input.count
        guard combined > macCount else {
            tail += input
            return 0
        }
        var written = 0
        let fromTail = min(tail.count, combined - macCount)
        if fromTail > 0 {
            let held = Array(tail[0..<fromTail])
            written += try held.withBytes { bytes throws(AttachmentError) in try decrypt(bytes, into: output, at: written) }
        }
        let fromInput = combined - macCount - fromTail
        if fromInput > 0 {
            written += try decrypt(UnsafeRawBufferPointer(rebasing: input[0..<fromInput]), into: output, at: written)
        }
        tail.removeFirst(fromTail)
        tail += input[fromInput...]
        return written
    }

    /// Checks the blob and writes the last 0…15 plaintext bytes to `output` (at least 16 bytes). Throws
    /// `truncated`, `digestMismatch`, `authenticationFailed`, `invalidPadding`, `sizeMismatch` or
    /// `plaintextDigestMismatch`, in that order of checking; on any of them nothing written so far may
    /// be used.
    public mutating func finish(into output: UnsafeMutableRawBufferPointer) throws(AttachmentError) -> Int {
        precondition(output.count >= 16)
        let format = reference.key.format
        let ciphertextCount = blobCount - format.headerCount - format.macCount
        guard headerLeft == 0, tail.count == format.macCount, ciphertextCount > 0, ciphertextCount % 16 == 0 else {
            throw AttachmentError(.truncated, "a \(format) blob of \(blobCount) bytes is not header ‖ whole AES blocks ‖ \(format.macCount)-byte MAC")
        }
        let digest = blobHash.finalize()
        guard ConstantTime.equals(digest, reference.digest) else {
            throw AttachmentError(.digestMismatch, "the blob's SHA-256 is not the digest the message carried")
        }
        let tag = mac.finalize()
        guard tail.withUnsafeBytes({ given in tag.withUnsafeBytes { ConstantTime.equals(UnsafeRawBufferPointer(rebasing: $0[0..<format.macCount]), given) } }) else {
            throw AttachmentError(.authenticationFailed, "the blob's MAC does not verify under this key")
        }
        let last: Int
        do {
            last = try cipher.finish(into: output)
        } catch {
            throw AttachmentError(.invalidPadding, "the authenticated blob has malformed CBC padding", underlying: error)
        }
        let released = release(UnsafeMutableRawBufferPointer(rebasing: output[0..<last]))
        if let size = reference.size {
            switch format {
            case .signal:
                guard plaintextCount >= size, paddingIsZero else {
                    throw AttachmentError(.sizeMismatch, "the plaintext does not hold \(size) bytes followed by zero padding")
                }
            case .whatsApp:
                guard plaintextCount == size else {
                    throw AttachmentError(.sizeMismatch, "the plaintext is \(plaintextCount) bytes, the message said \(size)")
                }
            }
        }
        if let expected = reference.plaintextDigest {
            guard var hash = plaintextHash else {
                throw AttachmentError(.plaintextDigestMismatch, "a Signal blob carries no plaintext digest")
            }
            guard ConstantTime.equals(hash.finalize(), expected) else {
                throw AttachmentError(.plaintextDigestMismatch, "the plaintext's SHA-256 is not the one the message carried")
            }
        }
        return released
    }

    private mutating func decrypt(_ ciphertext: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, at offset: Int) throws(AttachmentError) -> Int {
        mac.update(ciphertext)
        let count: Int
        do {
            count = try cipher.update(ciphertext, into: UnsafeMutableRawBufferPointer(rebasing: output[offset...]))
        } catch {
            throw AttachmentError(.ioFailure, "AES-CBC failed", underlying: error)
        }
        return release(UnsafeMutableRawBufferPointer(rebasing: output[offset..<offset + count]))
    }

    /// Counts plaintext and clips a Signal plaintext at its size: bytes past it must be zeros and are
    /// not released. Returns how many of `plaintext`'s bytes are released.
    private mutating func release(_ plaintext: UnsafeMutableRawBufferPointer) -> Int {
        let start = plaintextCount
        plaintextCount += plaintext.count
        guard reference.key.format == .signal, let size = reference.size else {
            plaintextHash?.update(UnsafeRawBufferPointer(plaintext))
            return plaintext.count
        }
        let keep = max(0, min(plaintext.count, size - start))
        if keep < plaintext.count {
            var any: UInt8 = 0
            for byte in plaintext[keep...] { any |= byte }
            if any != 0 { paddingIsZero = false }
        }
        return keep
    }
}
