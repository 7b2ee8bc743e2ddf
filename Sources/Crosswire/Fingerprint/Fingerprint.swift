import CrosswireCrypto
import CrosswireWire

/// Safety numbers compatible with libsignal's `NumericFingerprintGenerator` (SPEC.md §5.8): a 60-digit
/// displayable number both sides compute identically, and a scannable protobuf for QR codes.
public struct Fingerprint: Sendable, Equatable {
    /// 5200 in the deployed apps.
    public static let defaultIterations = 5200
    /// The version written into `scannable` (libsignal's current one); a scan of another version throws
    /// `versionMismatch` in `matchesScanned(_:)`.
    public static let scannableVersion: UInt32 = 2

    /// The 60-digit safety number, the same on both devices: show it in twelve groups of five digits.
    public let displayable: String
    /// `CombinedFingerprints {1 version, 2 local {1 content}, 3 remote {1 content}}`.
    public let scannable: [UInt8]

    /// Computes the safety number of a conversation. Each device passes its own stable id (the app's
    /// user identifier) and identity as local and the peer's as remote, so both get the same digits;
    /// `iterations` outside 2…1 000 000 throws `invalidArgument`.
    public init(
        iterations: Int = defaultIterations, version: UInt32 = scannableVersion,
        localStableID: [UInt8], localIdentity: IdentityKey,
        remoteStableID: [UInt8], remoteIdentity: IdentityKey
    ) throws(FingerprintError) {
        try self.init(iterations: iterations, version: version, localStableID: localStableID, localKeys: localIdentity.serialized,
                      remoteStableID: remoteStableID, remoteKeys: remoteIdentity.serialized)
    }

    /// The shared computation: each side's key bytes are one identity (§5.8) or a user's sorted device
    /// identities (§12.3).
    init(iterations: Int, version: UInt32, localStableID: [UInt8], localKeys: [UInt8],
         remoteStableID: [UInt8], remoteKeys: [UInt8]) throws(FingerprintError) {
        guard iterations > 1, iterations <= 1_000_000 else {
            throw FingerprintError(.invalidArgument, "fingerprint iterations must be in 2...1000000, got \(iterations)")
        }
        let local = Self.hash(iterations: iterations, stableID: localStableID, keys: localKeys)
        let remote = Self.hash(iterations: iterations, stableID: remoteStableID, keys: remoteKeys)
        let localDigits = Self.digits(local), remoteDigits = Self.digits(remote)
        displayable = localDigits < remoteDigits ? localDigits + remoteDigits : remoteDigits + localDigits
        var writer = ProtobufWriter(reservingCapacity: 80)
        writer.appendUInt(field: 1, UInt64(version))
        writer.appendBytes(field: 2, Self.logical(Array(local[0..<32])))
        writer.appendBytes(field: 3, Self.logical(Array(remote[0..<32])))
        scannable = writer.bytes
    }

    /// Whether `theirs` (the other side's scannable bytes) matches ours: their local is our remote and
    /// their remote is our local. A version mismatch is an error rather than a mismatch.
    public func matchesScanned(_ theirs: [UInt8]) throws(FingerprintError) -> Bool {
        let ours = try Self.parse(scannable), other = try Self.parse(theirs)
        guard ours.version == other.version else {
            throw FingerprintError(.versionMismatch, "fingerprint version \(other.version) differs from \(ours.version)")
        }
        return ConstantTime.equals(ours.local, other.remote) && ConstantTime.equals(ours.remote, other.local)
    }

    static func hash(iterations: Int, stableID: [UInt8], keys key: [UInt8]) -> [UInt8] {
        var digest = [0, 0] + key + stableID
        for _ in 0..<iterations {
            var hasher = SHA512Hash()
            hasher.update(digest)
            hasher.update(key)
            digest = hasher.finalize()
        }
        return digest
    }

    /// Six 5-byte big-endian chunks of the first 30 bytes, each mod 100 000, five digits each.
    static func digits(_ hash: [UInt8]) -> String {
        var out = ""
        for chunk in 0..<6 {
            var value: UInt64 = 0
            for byte in hash[(chunk * 5)..<(chunk * 5 + 5)] { value = value << 8 | UInt64(byte) }
            let text = String(value % 100_000)
            out += String(repeating: "0", count: 5 - text.count) + text
        }
        return out
    }

    static func logical(_ content: [UInt8]) -> [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 36)
        writer.appendBytes(field: 1, content)
        return writer.bytes
    }

    static func parse(_ bytes: [UInt8]) throws(FingerprintError) -> (version: UInt32, local: [UInt8], remote: [UInt8]) {
        var version: UInt32 = 0, local: [UInt8] = [], remote: [UInt8] = []
        do {
            var reader = ProtobufReader(bytes)
            while let field = try reader.next() {
                switch field.number {
                case 1: version = try field.value.uint32(field: 1)
                case 2, 3:
                    var inner = ProtobufReader(try field.value.bytes(field: field.number))
                    while let content = try inner.next() {
                        guard content.number == 1 else { continue }
                        if field.number == 2 { local = try content.value.bytes(field: 1) } else { remote = try content.value.bytes(field: 1) }
                    }
                default: continue
                }
            }
        } catch let error as WireFormatError {
            throw FingerprintError(.invalidMessage, "scannable fingerprint: \(error.reason)", underlying: error)
        } catch {
            throw FingerprintError(.invalidMessage, "scannable fingerprint: \(error)", underlying: error)
        }
        return (version, local, remote)
    }
}
