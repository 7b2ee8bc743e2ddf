/// A device of a user: the peer a session belongs to. In the cross-app envelope the name carries
/// `app/user`; here it is opaque.
public struct ProtocolAddress: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let deviceID: DeviceID

    public init(name: String, deviceID: DeviceID) {
        self.name = name
        self.deviceID = deviceID
    }

    public var description: String { "\(name).\(deviceID.rawValue)" }
}
