/// Which app (messaging provider) a user belongs to: `whatsapp`, `messenger`, `instagram`, or any other
/// id of the same shape, since the set is open (a third-party provider under the DMA gets its own). The
/// id is part of every address, so one name on two apps is two different users.
public struct AppID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The most bytes an app id has.
    public static let maxCount = 32

    /// The id, `[a-z][a-z0-9-]{0,31}`.
    public let rawValue: String

    /// Checks `rawValue` against `[a-z][a-z0-9-]{0,31}`; anything else is `invalidApp`.
    public init(_ rawValue: String) throws(AddressError) {
        let bytes = Array(rawValue.utf8)
        guard !bytes.isEmpty, bytes.count <= Self.maxCount else {
            throw AddressError(.invalidApp, "an app id has 1…\(Self.maxCount) bytes, got \(bytes.count)")
        }
        guard Self.isLetter(bytes[0]) else {
            throw AddressError(.invalidApp, "an app id starts with a-z")
        }
        if let bad = bytes.firstIndex(where: { !(Self.isLetter($0) || Self.isDigit($0) || $0 == UInt8(ascii: "-")) }) {
            throw AddressError(.invalidApp, "an app id holds only a-z, 0-9 and '-' (byte \(bad) does not)")
        }
        self.rawValue = rawValue
    }

    private init(known: String) { rawValue = known }

    /// WhatsApp, one of the three apps of the shared infrastructure.
    public static let whatsapp = AppID(known: "whatsapp")
    /// Messenger.
    public static let messenger = AppID(known: "messenger")
    /// Instagram.
    public static let instagram = AppID(known: "instagram")
    /// The apps Crosswire ships knowing; `AppID(_:)` accepts others of the same shape.
    public static let known: [AppID] = [.whatsapp, .messenger, .instagram]

    /// Whether this is one of `known`.
    public var isKnown: Bool { Self.known.contains(self) }

    /// The id itself.
    public var description: String { rawValue }

    /// Byte order of the ids, which is also the order of their text.
    public static func < (a: AppID, b: AppID) -> Bool { a.rawValue.utf8.lexicographicallyPrecedes(b.rawValue.utf8) }

    static func isLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
