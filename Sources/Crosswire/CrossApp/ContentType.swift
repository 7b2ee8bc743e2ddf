/// What a `Content`'s body is (SPEC §12.5). An open set, like `AppID`: a receiver that does not know a
/// type still decodes the content and can tell the user it needs a newer app.
public struct ContentType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// A UTF-8 text message.
    public static let text = ContentType(known: 1)
    /// An attachment pointer: key, digest, size, content type, blob id.
    public static let attachment = ContentType(known: 2)
    /// A group's admin-signed state.
    public static let groupUpdate = ContentType(known: 3)
    /// Only a sender-key distribution, no message.
    public static let senderKeyDistribution = ContentType(known: 4)
    /// A new signed device list of the sender's account.
    public static let deviceListUpdate = ContentType(known: 5)

    /// The types this build names.
    public static let known: [ContentType] = [.text, .attachment, .groupUpdate, .senderKeyDistribution, .deviceListUpdate]

    /// The number on the wire, 1 or more.
    public let rawValue: UInt32

    /// `nil` for 0, which the wire keeps for "absent".
    public init?(rawValue: UInt32) {
        guard rawValue > 0 else { return nil }
        self.rawValue = rawValue
    }

    private init(known value: UInt32) { rawValue = value }

    /// The name of a known type, else `type N`.
    public var description: String {
        switch rawValue {
        case 1: "text"
        case 2: "attachment"
        case 3: "groupUpdate"
        case 4: "senderKeyDistribution"
        case 5: "deviceListUpdate"
        default: "type \(rawValue)"
        }
    }
}
