import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import Foundation

/// The server's signing keys for sealed sender (SPEC §15.5): a trust root, which clients pin at
/// registration, and the server key it certifies, which signs sender certificates. Kept in a key file
/// next to the database (mode 0600; two lines of hex: trust root private key, server private key), so
/// the trust root survives restarts. An operator keeps the trust root offline in production and gives
/// the server only a certificate; this reference server keeps both.
public struct ServerKeys: Sendable {
    public let trustRoot: ECPublicKey
    public let serverKey: ECPrivateKey
    public let serverCertificate: ServerCertificate

    public init(trustRootKey: ECPrivateKey, serverKey: ECPrivateKey, keyID: UInt32 = 1) {
        trustRoot = trustRootKey.publicKey
        self.serverKey = serverKey
        serverCertificate = ServerCertificate(keyID: keyID, key: serverKey.publicKey, trustRoot: trustRootKey)
    }

    /// Fresh keys (tests).
    public static func generate() -> ServerKeys {
        ServerKeys(trustRootKey: ECKeyPair.generate().privateKey, serverKey: ECKeyPair.generate().privateKey)
    }

    /// The keys in `path`, created there on first use only: a file that exists but cannot be read is
    /// an error, never a reason to make new keys (clients pinned the trust root).
    public static func load(from path: String) throws -> ServerKeys {
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ServerKeysError(path: path) }
            let lines = text.split(separator: "\n").map(String.init)
            guard lines.count >= 2 else { throw ServerKeysError(path: path) }
            return ServerKeys(trustRootKey: try ECPrivateKey(rawRepresentation: try Hex.decode(lines[0])),
                              serverKey: try ECPrivateKey(rawRepresentation: try Hex.decode(lines[1])))
        }
        let root = ECKeyPair.generate().privateKey, server = ECKeyPair.generate().privateKey
        let text = Hex.encode(root.rawRepresentation.unprotectedBytes) + "\n" + Hex.encode(server.rawRepresentation.unprotectedBytes) + "\n"
        // O_EXCL: two servers starting at once never write over each other's keys; synced before use.
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ServerKeysError(path: path) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else { throw ServerKeysError(path: path) }
        return ServerKeys(trustRootKey: root, serverKey: server)
    }
}

/// The key file cannot be read or written.
public struct ServerKeysError: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "cannot read or create the server key file \(path)" }
}
