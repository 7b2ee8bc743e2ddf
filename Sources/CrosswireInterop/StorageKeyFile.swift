@_spi(Hazmat) import CrosswireCrypto
import Foundation

/// A storage key kept in a file as 64 hex digits, for the command-line tools (an app keeps its key in
/// the platform keychain instead). A missing file is created with mode 0600 in one exclusive `open`,
/// so two processes starting at once agree on one key.
public enum StorageKeyFile {
    /// The key in `path`, creating the file with a fresh random key when it does not exist.
    public static func loadOrCreate(at path: String) throws -> SymmetricKey256 {
        if FileManager.default.fileExists(atPath: path) { return try load(at: path) }
        let key = SymmetricKey256()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return try load(at: path) }
            throw StorageKeyError(path: path, reason: "cannot create: \(String(cString: strerror(errno)))")
        }
        let text = Array((Hex.encode(key.rawRepresentation.unprotectedBytes) + "\n").utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == text.count, synced else { throw StorageKeyError(path: path, reason: "cannot write the new key") }
        return key
    }

    /// The key in `path`; a file that is not 32 bytes of hex is refused.
    public static func load(at path: String) throws -> SymmetricKey256 {
        guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw StorageKeyError(path: path, reason: "cannot read")
        }
        do {
            return try SymmetricKey256(rawRepresentation: try Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        } catch {
            throw StorageKeyError(path: path, reason: "is not 64 hex digits (a 32-byte key)")
        }
    }
}

/// A storage key file that cannot be used; the reason never contains key bytes.
public struct StorageKeyError: Error, CustomStringConvertible {
    /// The file.
    public let path: String
    /// What is wrong with it.
    public let reason: String
    /// `storage key file PATH: REASON`.
    public var description: String { "storage key file \(path): \(reason)" }
}
