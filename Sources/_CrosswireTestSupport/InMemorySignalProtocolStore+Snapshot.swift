@_spi(Hazmat) import CrosswireCrypto
import Crosswire

/// Byte-level snapshots of an in-memory store: tests and fuzz targets use them to prove that a failed
/// operation left every record exactly as it was, and to put a store back after a successful one.
extension InMemorySignalProtocolStore {
    /// A store's contents as bytes, keyed by kind and name, in serialized (secret) form.
    public struct Snapshot: Sendable, Equatable {
        /// Each record's serialized bytes, keyed `kind/name` (for example `session/alice.1`). Secret.
        public let records: [String: [UInt8]]
        let contents: Contents

        /// Byte equality of `records`, which is what "the store did not change" means. Not constant time:
        /// for tests only.
        public static func == (a: Snapshot, b: Snapshot) -> Bool { a.records == b.records }
    }

    /// Every record in serialized form. Secret.
    public func snapshot() -> Snapshot {
        let contents = allContents
        var out: [String: [UInt8]] = [:]
        for (address, key) in contents.identities { out["identity/\(address)"] = key.serialized }
        for (id, key) in contents.preKeys { out["prekey/\(id)"] = key.serialized }
        for (id, key) in contents.signedPreKeys { out["signed/\(id)"] = key.serialized }
        for (address, record) in contents.sessions { out["session/\(address)"] = record.serialized }
        for (name, record) in contents.senderKeys { out["senderkey/\(name)"] = record.serialized }
        for (user, record) in contents.deviceLists { out["devicelist/\(user)"] = record.serialized }
        for (id, record) in contents.groups { out["group/\(id)"] = record.serialized }
        for (id, key) in contents.kemPreKeys { out["kemprekey/\(id)"] = key.serialized }
        for use in contents.usedLastResort {
            out["kemused/\(use.kemPreKeyID).\(use.signedPreKeyID).\(Hex.encode(use.baseKey.rawRepresentation))"] = []
        }
        let last = contents.lastIssued
        out["lastissued"] = [last.preKey, last.signedPreKey, last.kemPreKey].flatMap { id in (0..<4).map { UInt8(truncatingIfNeeded: id >> (24 - 8 * $0)) } }
        return Snapshot(records: out, contents: contents)
    }

    /// Puts back exactly what `snapshot()` saw.
    public func restore(_ snapshot: Snapshot) {
        replaceContents(snapshot.contents)
    }

    /// Loads every record back from the bytes of `snapshot`, as an app restarting from disk would: a
    /// record that does not decode throws.
    public func reload(_ snapshot: Snapshot) throws {
        var contents = Contents()
        func address(_ text: Substring) -> ProtocolAddress {
            let parts = text.split(separator: ".")
            return ProtocolAddress(name: parts.dropLast().joined(separator: "."), deviceID: DeviceID(UInt32(parts.last!)!))
        }
        for (key, bytes) in snapshot.records {
            let parts = key.split(separator: "/", maxSplits: 1)
            switch parts[0] {
            case "lastissued":
                let ids = stride(from: 0, to: 12, by: 4).map { i in bytes[i..<i + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
                contents.lastIssued = LastIssued(preKey: ids[0], signedPreKey: ids[1], kemPreKey: ids[2])
            case "identity": contents.identities[address(parts[1])] = try IdentityKey(serialized: bytes)
            case "prekey": let k = try OneTimePreKey(serialized: bytes); contents.preKeys[k.id] = k
            case "signed": let k = try SignedPreKey(serialized: bytes); contents.signedPreKeys[k.id] = k
            case "kemprekey": let k = try KEMPreKey(serialized: bytes); contents.kemPreKeys[k.id] = k
            case "kemused":
                let fields = parts[1].split(separator: ".")
                contents.usedLastResort.insert(LastResortUse(
                    kemPreKeyID: KEMPreKeyID(UInt32(fields[0])!), signedPreKeyID: SignedPreKeyID(UInt32(fields[1])!),
                    baseKey: try ECPublicKey(rawRepresentation: try Hex.decode(String(fields[2])))))
            case "senderkey":
                let nameParts = parts[1].split(separator: "/", maxSplits: 1)
                let name = SenderKeyName(groupID: try Hex.decode(String(nameParts[0])), sender: address(nameParts[1]))
                contents.senderKeys[name] = try SenderKeyRecord(serialized: bytes)
            default: contents.sessions[address(parts[1])] = try SessionRecord(serialized: bytes)
            }
        }
        replaceContents(contents)
    }
}
