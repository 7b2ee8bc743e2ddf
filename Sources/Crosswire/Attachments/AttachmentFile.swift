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
@_spi(Hazmat) import CrosswireCrypto

/// A file opened for reading, closed when released.
struct ReadableFile: ~Copyable {
    let descriptor: Int32
    let path: String

    init(_ url: URL) throws(AttachmentError) {
        path = url.path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw AttachmentFile.failure("open \(path)") }
    }

    /// Fills `buffer` as far as the file allows; fewer bytes only at the end of the file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(AttachmentError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = AttachmentFile.systemRead(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            if count < 0 {
                if errno == EINTR { continue }
                throw AttachmentFile.failure("read \(path)")
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    deinit { close(descriptor) }
}

/// Output that becomes visible at its destination only on `commit`: on Linux an unnamed `O_TMPFILE`
/// in the destination's folder (a crash leaves nothing behind), elsewhere a hidden temporary file that
/// is removed on failure. Commit syncs the data, names it with an atomic rename and syncs the folder.
/// Released without a commit, it disappears.
struct PendingFile: ~Copyable {
    let descriptor: Int32
    let destination: String
    let folder: String
    /// The hidden name when the file had to be created with one (no `O_TMPFILE`).
    let temporaryPath: String?
    private var isCommitted = false

    init(destination url: URL) throws(AttachmentError) {
        destination = url.path
        folder = url.deletingLastPathComponent().path
        #if os(Linux)
        let unnamed = open(folder, Self.temporaryFileFlag | O_WRONLY | O_CLOEXEC, 0o600)
        if unnamed >= 0 {
            descriptor = unnamed
            temporaryPath = nil
            return
        }
        #endif
        var template = Array("\(folder)/.\(url.lastPathComponent).crosswire-XXXXXX".utf8CString)
        let named = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard named >= 0 else { throw AttachmentFile.failure("create a temporary file in \(folder)") }
        descriptor = named
        temporaryPath = String(cString: template.map { UInt8(bitPattern: $0) })
    }

    #if os(Linux)
    /// `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), a macro Swift does not import.
    private static let temporaryFileFlag: Int32 = 0o20000000 | O_DIRECTORY
    #endif

    func write(_ bytes: UnsafeRawBufferPointer) throws(AttachmentError) {
        var done = 0
        while done < bytes.count {
            let count = AttachmentFile.systemWrite(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if count < 0 {
                if errno == EINTR { continue }
                throw AttachmentFile.failure("write \(destination)")
            }
            done += count
        }
    }

    /// Makes the file durable and gives it its name.
    mutating func commit() throws(AttachmentError) {
        guard fsync(descriptor) == 0 else { throw AttachmentFile.failure("sync \(destination)") }
        let from: String
        if let temporaryPath {
            from = temporaryPath
        } else {
            // Link the unnamed file under a hidden name, then rename it over the destination (linkat
            // cannot replace an existing file).
            from = "\(folder)/.\(URL(fileURLWithPath: destination).lastPathComponent).crosswire-\(Hex.encode(SystemEntropy().bytes(6)))"
            guard linkat(AT_FDCWD, "/proc/self/fd/\(descriptor)", AT_FDCWD, from, AT_SYMLINK_FOLLOW) == 0 else {
                throw AttachmentFile.failure("link the finished file in \(folder)")
            }
        }
        guard rename(from, destination) == 0 else {
            unlink(from)
            throw AttachmentFile.failure("rename into \(destination)")
        }
        isCommitted = true
        let directory = open(folder, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    deinit {
        if !isCommitted, let temporaryPath { unlink(temporaryPath) }
        close(descriptor)
    }
}

enum AttachmentFile {
    /// POSIX `read` and `write`, named apart from the methods above.
    static func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(descriptor, buffer, count)
        #else
        Darwin.read(descriptor, buffer, count)
        #endif
    }

    static func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(descriptor, buffer, count)
        #else
        Darwin.write(descriptor, buffer, count)
        #endif
    }

    static func failure(_ what: String) -> AttachmentError {
        let code = errno
        return AttachmentError(.ioFailure, "\(what): \(String(cString: strerror(code))) (errno \(code))")
    }
}
