@_spi(Hazmat) import CrosswireCrypto
import Crosswire

/// Seals and opens secret columns: `0x01 ‖ AES-256-GCM(nonce ‖ ciphertext ‖ tag)` under the file's row
/// key, with the row's ``RowKey`` (and the version byte) as associated data. The version byte leaves
/// room for a later key or cipher without rewriting the file at once.
struct RowSealer: Sendable {
    static let version: UInt8 = 1
    /// HKDF info for the row key: `HKDF-SHA256(storage key, salt: the file's random salt)`.
    static let info = Array("Crosswire SQLite store v1 row key".utf8)

    let key: SymmetricKey256

    /// The file's row key from the app's storage key and the file's salt: the same storage key gives
    /// each file its own key, so rows cannot move between files either.
    init(storageKey: SymmetricKey256, salt: [UInt8]) {
        let derived = try! HKDF.deriveKey(inputKeyMaterial: storageKey, salt: salt, info: Self.info, outputByteCount: 32)
        key = SymmetricKey256(exactly: derived)
    }

    func seal(_ plaintext: [UInt8], for row: RowKey) -> [UInt8] {
        [Self.version] + AES256GCM.seal(plaintext, key: key, authenticating: [Self.version] + row.associatedData)
    }

    /// The plaintext, or `corruptRow` naming the row when it does not authenticate.
    func open(_ sealed: [UInt8], for row: RowKey) throws(StoreError) -> [UInt8] {
        guard let version = sealed.first else {
            throw StoreError(.corruptRow, "the \(row) is empty")
        }
        guard version == Self.version else {
            throw StoreError(.corruptRow, "the \(row) is sealed in format \(version), this build reads \(Self.version)")
        }
        do {
            return try AES256GCM.open(sealed.dropFirst(), key: key, authenticating: [version] + row.associatedData)
        } catch {
            throw StoreError(.corruptRow, "the \(row) does not authenticate (altered, truncated, or copied from another row)", underlying: error)
        }
    }

    /// Opens and decodes a row; the decoded plaintext is wiped whether decoding worked or not.
    func decode<Value>(_ sealed: [UInt8], for row: RowKey, _ parse: ([UInt8]) throws -> Value) throws(StoreError) -> Value {
        var plaintext = try open(sealed, for: row)
        defer { SecretBytes.wipe(&plaintext) }
        do {
            return try parse(plaintext)
        } catch {
            throw StoreError(.corruptRow, "the \(row) authenticates but does not decode: \(error)", underlying: error)
        }
    }

    /// Seals a serialized secret and wipes the serialization.
    func seal(wiping plaintext: inout [UInt8], for row: RowKey) -> [UInt8] {
        defer { SecretBytes.wipe(&plaintext) }
        return seal(plaintext, for: row)
    }
}
