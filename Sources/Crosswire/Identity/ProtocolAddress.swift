/// A device of a user: the peer a session belongs to. In the cross-app envelope the name carries
/// `app/user`; here it is opaque.
public struct ProtocolAddress: Sendable, Hashable, CustomStringConvertible {
    /// The user, in the app's own naming: opaque to Crosswire.
    public let name: String
    /// Which of the user's devices: each device has its own sessions.
    public let deviceID: DeviceID

    /// The device `deviceID` of the user `name`.
    public init(name: String, deviceID: DeviceID) {
        self.name = name
        self.deviceID = deviceID
    }

    /// `name.device`, the way libsignal prints addresses.
    public var description: String { "\(name).\(deviceID.rawValue)" }
}
