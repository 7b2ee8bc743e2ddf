@_spi(Hazmat) import CrosswireCrypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Encrypts one attachment chunk by chunk in constant memory (SPEC §14.1): AES-256-CBC, the HMAC of
/// `IV ‖ ciphertext` and the blob's SHA-256 all advance over each chunk while it is in cache. Feed the
/// plaintext with `update`, then call `finish` until it returns the ``EncryptedAttachment``.
///
/// ``AttachmentCipher`` drives it over byte buffers, async sequences and files; use it directly to
/// write a blob into storage of your own.
public struct AttachmentEncryptor: ~Copyable, Sendable {
    /// Extra output room `update` and `finish` need beyond their input: IV, CBC carry and the MAC.
    public static let overheadCount = 128

    private let key: AttachmentKey
    private var cipher: AES256CBCStream
    private var mac: HMACStream
    private var blobHash = SHA256Hash()
    private var plaintextHash: SHA256Hash?
    private var iv: [UInt8]?
    private var size = 0
    private var blobCount = 0
    private var paddingLeft: Int?
    private var isFinished = false

    /// An encryptor under `key`; a Signal blob's IV is drawn from `entropy`.
    public init(key: AttachmentKey, using entropy: some EntropySource = SystemEntropy()) throws(AttachmentError) {
        self.key = key
        let schedule = key.schedule()
        let ivBytes: [UInt8]
        switch key.format {
        case .signal:
            ivBytes = entropy.bytes(16)
            plaintextHash = nil
        case .whatsApp:
            ivBytes = schedule.withUnsafeBytes { Array($0[64..<80]) }
            plaintextHash = SHA256Hash()
        }
        do {
            cipher = try AES256CBCStream(.encrypt, key: schedule, range: 0..<32, iv: ivBytes)
        } catch {
            throw AttachmentError(.ioFailure, "the cipher could not be set up", underlying: error)
        }
        mac = HMACStream(key: schedule, range: 32..<64)
        ivBytes.withUnsafeBytes { mac.update($0) }
        if key.format == .signal { iv = ivBytes }
    }

    /// Encrypts `chunk` into `output`, which holds at least `chunk.count + overheadCount` bytes, and
    /// returns how many blob bytes were written (whole blocks; the first call also writes Signal's IV).
    public mutating func update(_ chunk: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(AttachmentError) -> Int {
        precondition(!isFinished, "AttachmentEncryptor.update after finish")
        precondition(output.count >= chunk.count + Self.overheadCount)
        var written = writeIV(into: output)
        do {
            let count = try cipher.update(chunk, into: UnsafeMutableRawBufferPointer(rebasing: output[written...]))
            absorb(UnsafeRawBufferPointer(rebasing: output[written..<written + count]), mac: true)
            written += count
        } catch {
            throw AttachmentError(.ioFailure, "AES-CBC failed", underlying: error)
        }
        plaintextHash?.update(chunk)
        size += chunk.count
        return written
    }

    /// Ends the blob into `output` (at least `overheadCount` bytes; more lets Signal's zero padding go
    /// in fewer calls). Returns the bytes written and, on the last call, the attachment; call again
    /// while it is `nil`.
    public mutating func finish(into output: UnsafeMutableRawBufferPointer) throws(AttachmentError) -> (count: Int, attachment: EncryptedAttachment?) {
        precondition(!isFinished, "AttachmentEncryptor.finish after the attachment was returned")
        precondition(output.count >= Self.overheadCount)
        if paddingLeft == nil {
            paddingLeft = key.format == .signal ? AttachmentPadding.paddedCount(for: size) - size : 0
        }
        var written = writeIV(into: output)
        do {
            if let left = paddingLeft, left > 0 {
                // Room kept for the CBC carry, the last block and the MAC (64 bytes).
                let take = min(left, output.count - written - 64, Self.zeros.count)
                do {
                    let count = try Self.zeros.withBytes { zeros throws(CryptoError) in
                        try cipher.update(UnsafeRawBufferPointer(rebasing: zeros[0..<take]), into: UnsafeMutableRawBufferPointer(rebasing: output[written...]))
                    }
                    absorb(UnsafeRawBufferPointer(rebasing: output[written..<written + count]), mac: true)
                    written += count
                    paddingLeft = left - take
                    if left - take > 0 { return (written, nil) }
                }
            }
            let last = try cipher.finish(into: UnsafeMutableRawBufferPointer(rebasing: output[written...]))
            absorb(UnsafeRawBufferPointer(rebasing: output[written..<written + last]), mac: true)
            written += last
        } catch {
            throw AttachmentError(.ioFailure, "AES-CBC failed", underlying: error)
        }
        let tag = mac.finalize()
        let macCount = key.format.macCount
        (output.baseAddress! + written).copyMemory(from: tag, byteCount: macCount)
        absorb(UnsafeRawBufferPointer(rebasing: output[written..<written + macCount]), mac: false)
        written += macCount
        isFinished = true
        let padded = key.format == .signal ? AttachmentPadding.paddedCount(for: size) : size
        let attachment = EncryptedAttachment(key: key, digest: blobHash.finalize(), plaintextDigest: plaintextHash?.finalize(),
                                             size: size, paddedSize: padded, blobCount: blobCount)
        return (written, attachment)
    }

    /// `chunk`'s blob bytes, allocated: for small attachments and tests.
    public mutating func update(_ chunk: some DataProtocol) throws(AttachmentError) -> [UInt8] {
        let bytes = [UInt8](chunk)
        var output = [UInt8](repeating: 0, count: bytes.count + Self.overheadCount)
        let count = try bytes.withBytes { input throws(AttachmentError) in
            try output.withMutableBytes { out throws(AttachmentError) in try update(input, into: out) }
        }
        output.removeLast(output.count - count)
        return output
    }

    /// The rest of the blob (padding, last block, MAC) and the attachment, allocated.
    public mutating func finish() throws(AttachmentError) -> (tail: [UInt8], attachment: EncryptedAttachment) {
        var tail: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024 + Self.overheadCount)
        while true {
            let (count, attachment) = try buffer.withMutableBytes { out throws(AttachmentError) in try finish(into: out) }
            tail += buffer[0..<count]
            if let attachment { return (tail, attachment) }
        }
    }

    private mutating func writeIV(into output: UnsafeMutableRawBufferPointer) -> Int {
        guard let pending = iv else { return 0 }
        iv = nil
        output.copyBytes(from: pending)
        absorb(UnsafeRawBufferPointer(rebasing: output[0..<16]), mac: false)  // already in the MAC
        return 16
    }

    private mutating func absorb(_ blob: UnsafeRawBufferPointer, mac macToo: Bool) {
        if macToo { mac.update(blob) }
        blobHash.update(blob)
        blobCount += blob.count
    }

    /// Signal's padding, encrypted from here in pieces.
    private static let zeros = [UInt8](repeating: 0, count: 64 * 1024)
}
