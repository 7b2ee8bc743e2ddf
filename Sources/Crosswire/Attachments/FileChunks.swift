#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A file's bytes as an async sequence of chunks, for the streaming ``AttachmentCipher`` calls: from a
/// path, or from a descriptor the caller owns (`FileHandle.fileDescriptor`, a socket, a pipe), read
/// from its current position to the end. Memory is one chunk at a time.
public struct FileChunks: AsyncSequence, Sendable {
    /// Each chunk's bytes.
    public typealias Element = [UInt8]

    fileprivate enum Source: Sendable {
        case path(String)
        case descriptor(Int32)
    }

    private let source: Source
    private let chunkCount: Int

    /// Chunks of the file at `url`, opened when iteration starts and closed when it ends.
    public init(contentsOf url: URL, chunkCount: Int = AttachmentCipher.chunkCount) {
        precondition(chunkCount > 0)
        source = .path(url.path)
        self.chunkCount = chunkCount
    }

    /// Chunks read from `fileDescriptor`, which stays open (the caller owns it).
    public init(fileDescriptor: Int32, chunkCount: Int = AttachmentCipher.chunkCount) {
        precondition(chunkCount > 0)
        source = .descriptor(fileDescriptor)
        self.chunkCount = chunkCount
    }

    /// Reads the next chunk; `nil` at the end of the file.
    public struct AsyncIterator: AsyncIteratorProtocol {
        final class Handle {
            let descriptor: Int32
            let owned: Bool
            init(descriptor: Int32, owned: Bool) {
                self.descriptor = descriptor
                self.owned = owned
            }
            deinit { if owned { close(descriptor) } }
        }

        private let source: Source
        private let chunkCount: Int
        private var handle: Handle?
        private var isDone = false

        fileprivate init(source: Source, chunkCount: Int) {
            self.source = source
            self.chunkCount = chunkCount
        }

        /// The next chunk, `chunkCount` bytes except the last; `ioFailure` when a read fails.
        public mutating func next() async throws -> [UInt8]? {
            guard !isDone else { return nil }
            if handle == nil {
                switch source {
                case .path(let path):
                    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
                    guard descriptor >= 0 else { throw AttachmentFile.failure("open \(path)") }
                    handle = Handle(descriptor: descriptor, owned: true)
                case .descriptor(let descriptor):
                    handle = Handle(descriptor: descriptor, owned: false)
                }
            }
            let descriptor = handle!.descriptor
            var failed = false
            let chunk = [UInt8](unsafeUninitializedCapacity: chunkCount) { buffer, count in
                var filled = 0
                while filled < chunkCount {
                    let read = AttachmentFile.systemRead(descriptor, buffer.baseAddress! + filled, chunkCount - filled)
                    if read < 0, errno == EINTR { continue }
                    if read < 0 { failed = true }
                    if read <= 0 { break }
                    filled += read
                }
                count = filled
            }
            if failed { throw AttachmentFile.failure("read a file") }
            if chunk.count < chunkCount {
                isDone = true
                handle = nil
                if chunk.isEmpty { return nil }
            }
            return chunk
        }
    }

    /// An iterator over the chunks.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source, chunkCount: chunkCount) }
}
