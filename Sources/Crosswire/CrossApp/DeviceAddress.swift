/// One device of a user: `APP:USER/DEVICE`, e.g. `whatsapp:alice/2`, with DEVICE in 1…127 (Signal's
/// range; 1 is the primary by convention). Each device has its own identity key and its own sessions.
public struct DeviceAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Device ids run from 1 to 127, as in Signal.
    public static let deviceRange: ClosedRange<UInt32> = 1...127
    /// The version byte of `serialized`.
    public static let encodingVersion: UInt8 = 1

    /// Whose device.
    public let user: UserAddress
    /// Which of the user's devices.
    public let device: DeviceID

    /// The device `device` (1…127, else `invalidDevice`) of `user`.
    public init(user: UserAddress, device: DeviceID) throws(AddressError) {
        guard Self.deviceRange.contains(device.rawValue) else {
            throw AddressError(.invalidDevice, "a device id is \(Self.deviceRange.lowerBound)…\(Self.deviceRange.upperBound), got \(device.rawValue)")
        }
        self.user = user
        self.device = device
    }

    /// Parses `APP:USER/DEVICE`; DEVICE is decimal without sign or leading zeros.
    public init(parsing text: String) throws(AddressError) {
        let parts = text.utf8.split(separator: UInt8(ascii: "/"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw AddressError(.malformed, "a device address is APP:USER/DEVICE with exactly one '/', got \(parts.count - 1)")
        }
        let user = try UserAddress(parsing: String(decoding: parts[0], as: UTF8.self))
        let digits = parts[1]
        guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy(AppID.isDigit), digits.first != UInt8(ascii: "0") else {
            throw AddressError(.invalidDevice, "a device id is written as a decimal number 1…127 without leading zeros")
        }
        let value = digits.reduce(UInt32(0)) { $0 * 10 + UInt32($1 - UInt8(ascii: "0")) }
        try self.init(user: user, device: DeviceID(value))
    }

    /// Parses the libsignal address of a device (name `APP:USER`, device id), as stored sessions name it.
    public init(_ address: ProtocolAddress) throws(AddressError) {
        try self.init(user: try UserAddress(parsing: address.name), device: address.deviceID)
    }

    /// `APP:USER/DEVICE`.
    public var description: String { "\(user)/\(device.rawValue)" }

    /// The libsignal address of this device: name `APP:USER`, device id DEVICE. Sessions, identities and
    /// sender keys are stored under it, so it never changes for a device (SPEC §12.1).
    public var protocolAddress: ProtocolAddress { ProtocolAddress(name: user.protocolName, deviceID: device) }

    /// Ordered by user, then by device id.
    public static func < (a: DeviceAddress, b: DeviceAddress) -> Bool {
        a.user != b.user ? a.user < b.user : a.device.rawValue < b.device.rawValue
    }

    // MARK: Binary form

    /// `0x01 ‖ len(app) ‖ app ‖ len(user) ‖ user ‖ device`, one byte per length and for the device
    /// (SPEC §12.1): what the envelope and device lists carry.
    public var serialized: [UInt8] {
        var bytes: [UInt8] = [Self.encodingVersion]
        bytes.reserveCapacity(4 + user.app.rawValue.utf8.count + user.user.utf8.count)
        Self.append(user, to: &bytes)
        bytes.append(UInt8(device.rawValue))
        return bytes
    }

    /// Decodes `serialized`; a wrong version, a truncation, trailing bytes or any invalid part is a
    /// typed error.
    public init<Bytes: Collection<UInt8>>(serialized bytes: Bytes) throws(AddressError) {
        let (user, device) = try Self.decode(bytes, withDevice: true)
        try self.init(user: user, device: DeviceID(UInt32(device!)))
    }

    /// The shared binary decoder: version, user parts, the device byte when `withDevice`, nothing after.
    static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes, withDevice: Bool) throws(AddressError) -> (UserAddress, UInt8?) {
        // The envelope and device lists pass slices of their input: read those in place.
        var reader = (bytes as? ArraySlice<UInt8>) ?? Array(bytes)[...]
        let kind = withDevice ? "device" : "user"
        guard reader.popFirst() == encodingVersion else {
            throw AddressError(.invalidEncoding, "a \(kind) address starts with version byte \(encodingVersion)")
        }
        let user = try readUser(&reader)
        var device: UInt8?
        if withDevice {
            guard let byte = reader.popFirst() else { throw AddressError(.invalidEncoding, "a device address ends with its device byte") }
            device = byte
        }
        guard reader.isEmpty else { throw AddressError(.invalidEncoding, "\(reader.count) bytes after the \(kind) address") }
        return (user, device)
    }

    static func append(_ user: UserAddress, to bytes: inout [UInt8]) {
        bytes.append(UInt8(user.app.rawValue.utf8.count))
        bytes.append(contentsOf: user.app.rawValue.utf8)
        bytes.append(UInt8(user.user.utf8.count))
        bytes.append(contentsOf: user.user.utf8)
    }

    static func readUser(_ reader: inout ArraySlice<UInt8>) throws(AddressError) -> UserAddress {
        func part(_ name: String) throws(AddressError) -> String {
            guard let count = reader.popFirst(), reader.count >= Int(count) else {
                throw AddressError(.invalidEncoding, "the \(name) part is truncated")
            }
            defer { reader.removeFirst(Int(count)) }
            return String(decoding: reader.prefix(Int(count)), as: UTF8.self)
        }
        let app = try AppID(try part("app"))
        return try UserAddress(app: app, user: try part("user"))
    }
}
