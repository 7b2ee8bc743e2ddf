/// One envelope of a submission, with the registration id of the device it was encrypted for, so the
/// directory can tell a re-installed device (`staleDevices`, 410) from a current one.
public struct OutgoingMessage: Sendable, Hashable {
    /// The envelope, unstamped.
    public let envelope: Envelope
    /// The recipient device's registration id, from the session the ciphertext was made on.
    public let registrationID: RegistrationID

    /// An envelope for a device with this registration id.
    public init(envelope: Envelope, registrationID: RegistrationID) {
        self.envelope = envelope
        self.registrationID = registrationID
    }
}
