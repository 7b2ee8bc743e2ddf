/// A user on one app: `APP:USER`, e.g. `messenger:bob`. The user part is the app's own account name,
/// 1–64 bytes of `[A-Za-z0-9._-]`, case-sensitive (`messenger:Bob` and `messenger:bob` are two users).
/// The text form is canonical: parsing and printing round-trip byte for byte, so it can key a table.
public struct UserAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The most bytes a user part has.
    public static let maxUserCount = 64

    /// The app the account is on.
    public let app: AppID
    /// The account name on that app.
    public let user: String

    /// A user on `app`; `user` must be 1–64 bytes of `[A-Za-z0-9._-]`, else `invalidUser`.
    public init(app: AppID, user: String) throws(AddressError) {
        try Self.checkUser(user)
        self.app = app
        self.user = user
    }

    /// Parses `APP:USER`; anything else (a missing or second `:`, a device part, a bad app or user) is a
    /// typed error.
    public init(parsing text: String) throws(AddressError) {
        let parts = text.utf8.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw AddressError(.malformed, "a user address is APP:USER with exactly one ':', got \(parts.count - 1)")
        }
        let app = try AppID(String(decoding: parts[0], as: UTF8.self))
        try self.init(app: app, user: String(decoding: parts[1], as: UTF8.self))
    }

    /// `APP:USER`.
    public var description: String { "\(app.rawValue):\(user)" }

    /// The libsignal `ProtocolAddress` name of this user's devices: the canonical text, `APP:USER`.
    public var protocolName: String { description }

    /// `0x01 ‖ len(app) ‖ app ‖ len(user) ‖ user` (SPEC §12.1): what device lists are bound to.
    public var serialized: [UInt8] {
        var bytes: [UInt8] = [DeviceAddress.encodingVersion]
        DeviceAddress.append(self, to: &bytes)
        return bytes
    }

    /// Decodes `serialized`; a wrong version, a truncation, trailing bytes or an invalid part is a typed error.
    public init<Bytes: Collection<UInt8>>(serialized bytes: Bytes) throws(AddressError) {
        self = try DeviceAddress.decode(bytes, withDevice: false).0
    }

    /// Ordered by app, then by the bytes of the user part.
    public static func < (a: UserAddress, b: UserAddress) -> Bool {
        a.app != b.app ? a.app < b.app : a.user.utf8.lexicographicallyPrecedes(b.user.utf8)
    }

    static func checkUser(_ user: String) throws(AddressError) {
        let bytes = user.utf8
        guard !bytes.isEmpty, bytes.count <= maxUserCount else {
            throw AddressError(.invalidUser, "a user has 1…\(maxUserCount) bytes, got \(bytes.count)")
        }
        if let bad = bytes.firstIndex(where: { !isUserByte($0) }) {
            throw AddressError(.invalidUser, "a user holds only A-Z, a-z, 0-9, '.', '_' and '-' (byte \(bytes.distance(from: bytes.startIndex, to: bad)) does not)")
        }
    }

    static func isUserByte(_ byte: UInt8) -> Bool {
        AppID.isLetter(byte) || AppID.isDigit(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}
