@_spi(Hazmat) import CrosswireCrypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Encrypts and decrypts attachments in Signal's and WhatsApp's blob formats (SPEC §14): in memory,
/// over async sequences of chunks, and file to file, in constant memory for any size.
///
/// Decryption never releases plaintext that has not been checked: in memory it returns only after
/// the digest, MAC, size and plaintext digest agree (and wipes its buffer otherwise); to a file it
/// writes into an unnamed temporary file that receives the destination's name only then, so a refused
/// or interrupted blob leaves no file behind.
///
/// The file calls block their thread on I/O: call them off the main actor.
public enum AttachmentCipher {
    /// The chunk the streaming calls read and write: 256 KiB, large enough that per-chunk costs vanish
    /// and small enough that AES, HMAC and SHA-256 each find it in cache.
    public static let chunkCount = 256 * 1024

    // MARK: In memory

    /// The blob for `plaintext` under `key` and what the message must carry.
    public static func encrypt(_ plaintext: some DataProtocol, with key: AttachmentKey,
                               using entropy: some EntropySource = SystemEntropy()) throws(AttachmentError) -> (blob: [UInt8], attachment: EncryptedAttachment) {
        let input = [UInt8](plaintext)
        var encryptor = try AttachmentEncryptor(key: key, using: entropy)
        var blob = [UInt8](repeating: 0, count: key.format.blobCount(forPlaintextCount: input.count) + AttachmentEncryptor.overheadCount)
        var written = try input.withBytes { chunk throws(AttachmentError) in
            try blob.withMutableBytes { out throws(AttachmentError) in try encryptor.update(chunk, into: out) }
        }
        while true {
            let offset = written
            let (count, attachment) = try blob.withMutableBytes { out throws(AttachmentError) in
                try encryptor.finish(into: UnsafeMutableRawBufferPointer(rebasing: out[offset...]))
            }
            written += count
            if let attachment {
                blob.removeLast(blob.count - written)
                return (blob, attachment)
            }
        }
    }

    /// The plaintext of `blob` once every check of `reference` passed; the working buffer is wiped when
    /// one fails.
    public static func decrypt(_ blob: some DataProtocol, expecting reference: AttachmentReference) throws(AttachmentError) -> [UInt8] {
        let input = [UInt8](blob)
        var decryptor = try AttachmentDecryptor(expecting: reference)
        var plaintext = [UInt8](repeating: 0, count: input.count + AttachmentDecryptor.overheadCount)
        do {
            let written = try input.withBytes { chunk throws(AttachmentError) in
                try plaintext.withMutableBytes { out throws(AttachmentError) in
                    let count = try decryptor.update(chunk, into: out)
                    return count + (try decryptor.finish(into: UnsafeMutableRawBufferPointer(rebasing: out[count...])))
                }
            }
            plaintext.removeLast(plaintext.count - written)
            return plaintext
        } catch {
            SecretBytes.wipe(&plaintext)
            throw error
        }
    }

    // MARK: Streams

    /// Encrypts `chunks` (of any sizes) and hands the blob to `write` in pieces of at most
    /// `chunkCount + 128` bytes, in order; returns what the message must carry. An error of the
    /// sequence or of `write` becomes `ioFailure` with it as `underlying`.
    public static func encrypt<Chunks: AsyncSequence>(
        _ chunks: Chunks, with key: AttachmentKey, using entropy: some EntropySource = SystemEntropy(),
        to write: ([UInt8]) async throws -> Void
    ) async throws(AttachmentError) -> EncryptedAttachment where Chunks.Element: DataProtocol {
        var encryptor = try AttachmentEncryptor(key: key, using: entropy)
        var buffer = [UInt8](repeating: 0, count: chunkCount + AttachmentEncryptor.overheadCount)
        do {
            for try await chunk in chunks {
                let bytes = [UInt8](chunk)
                var offset = 0
                while offset < bytes.count {
                    let end = min(bytes.count, offset + chunkCount), start = offset
                    let count = try bytes.withBytes { input throws(AttachmentError) in
                        try buffer.withMutableBytes { out throws(AttachmentError) in
                            try encryptor.update(UnsafeRawBufferPointer(rebasing: input[start..<end]), into: out)
                        }
                    }
                    if count > 0 { try await write(Array(buffer[0..<count])) }
                    offset = end
                }
            }
            while true {
                let (count, attachment) = try buffer.withMutableBytes { out throws(AttachmentError) in try encryptor.finish(into: out) }
                if count > 0 { try await write(Array(buffer[0..<count])) }
                if let attachment { return attachment }
            }
        } catch {
            throw wrapped(error, "the plaintext stream or the blob sink failed")
        }
    }

    /// Decrypts the blob arriving as `chunks` into the file at `destination`, which appears (atomically,
    /// replacing any file there) only when every check of `reference` passed.
    public static func decrypt<Chunks: AsyncSequence>(
        _ chunks: Chunks, expecting reference: AttachmentReference, to destination: URL
    ) async throws(AttachmentError) where Chunks.Element: DataProtocol {
        var decryptor = try AttachmentDecryptor(expecting: reference)
        var output = try PendingFile(destination: destination)
        var buffer = [UInt8](repeating: 0, count: chunkCount + AttachmentDecryptor.overheadCount)
        defer { SecretBytes.wipe(&buffer) }
        do {
            for try await chunk in chunks {
                let bytes = [UInt8](chunk)
                var offset = 0
                while offset < bytes.count {
                    let end = min(bytes.count, offset + chunkCount), start = offset
                    try bytes.withBytes { input throws(AttachmentError) in
                        try buffer.withMutableBytes { out throws(AttachmentError) in
                            let count = try decryptor.update(UnsafeRawBufferPointer(rebasing: input[start..<end]), into: out)
                            try output.write(UnsafeRawBufferPointer(rebasing: out[0..<count]))
                        }
                    }
                    offset = end
                }
            }
        } catch {
            throw wrapped(error, "the blob stream failed")
        }
        try buffer.withMutableBytes { out throws(AttachmentError) in
            let count = try decryptor.finish(into: out)
            try output.write(UnsafeRawBufferPointer(rebasing: out[0..<count]))
        }
        try output.commit()
    }

    // MARK: Files

    /// Encrypts the file at `source` into a blob at `destination` (which appears only when complete).
    public static func encryptFile(at source: URL, to destination: URL, with key: AttachmentKey,
                                   using entropy: some EntropySource = SystemEntropy()) throws(AttachmentError) -> EncryptedAttachment {
        let input = try ReadableFile(source)
        var output = try PendingFile(destination: destination)
        var encryptor = try AttachmentEncryptor(key: key, using: entropy)
        try pump(input, into: output, overhead: AttachmentEncryptor.overheadCount) { chunk, out throws(AttachmentError) in
            try encryptor.update(chunk, into: out)
        }
        var blob = [UInt8](repeating: 0, count: 64 * 1024 + AttachmentEncryptor.overheadCount)
        while true {
            let attachment = try blob.withMutableBytes { out throws(AttachmentError) in
                let (count, attachment) = try encryptor.finish(into: out)
                try output.write(UnsafeRawBufferPointer(rebasing: out[0..<count]))
                return attachment
            }
            if let attachment {
                try output.commit()
                return attachment
            }
        }
    }

    /// Decrypts the blob file at `source` into `destination`, which appears only when every check of
    /// `reference` passed; on any refusal no file is left there.
    public static func decryptFile(at source: URL, to destination: URL, expecting reference: AttachmentReference) throws(AttachmentError) {
        let input = try ReadableFile(source)
        var output = try PendingFile(destination: destination)
        var decryptor = try AttachmentDecryptor(expecting: reference)
        try pump(input, into: output, overhead: AttachmentDecryptor.overheadCount) { chunk, out throws(AttachmentError) in
            try decryptor.update(chunk, into: out)
        }
        var last = [UInt8](repeating: 0, count: 16)
        defer { SecretBytes.wipe(&last) }
        try last.withMutableBytes { out throws(AttachmentError) in
            let count = try decryptor.finish(into: out)
            try output.write(UnsafeRawBufferPointer(rebasing: out[0..<count]))
        }
        try output.commit()
    }

    /// Reads `input` in `chunkCount` pieces, lets `step` turn each into output bytes (room: the piece
    /// plus `overhead`) and writes them to `output`. Both buffers are wiped afterwards: one of them
    /// held plaintext.
    private static func pump(_ input: borrowing ReadableFile, into output: borrowing PendingFile, overhead: Int,
                             _ step: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(AttachmentError) -> Int) throws(AttachmentError) {
        var chunk = [UInt8](repeating: 0, count: chunkCount)
        var produced = [UInt8](repeating: 0, count: chunkCount + overhead)
        defer {
            SecretBytes.wipe(&chunk)
            SecretBytes.wipe(&produced)
        }
        while true {
            let read = try chunk.withMutableBytes { buffer throws(AttachmentError) in try input.read(into: buffer) }
            if read > 0 {
                try chunk.withBytes { bytes throws(AttachmentError) in
                    try produced.withMutableBytes { out throws(AttachmentError) in
                        let count = try step(UnsafeRawBufferPointer(rebasing: bytes[0..<read]), out)
                        try output.write(UnsafeRawBufferPointer(rebasing: out[0..<count]))
                    }
                }
            }
            if read < chunkCount { return }
        }
    }

    private static func wrapped(_ error: any Error, _ what: String) -> AttachmentError {
        if let error = error as? AttachmentError { return error }
        return AttachmentError(.ioFailure, what, underlying: error)
    }
}
