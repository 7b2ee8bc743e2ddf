/// What one ``DeviceMaintenance/run()`` changed: the new keys to upload (their public halves) and the
/// ids retired, which the app tells its server to forget.
public struct MaintenanceReport: Sendable {
    /// A new signed prekey, when the newest one was due for rotation (or there was none).
    public var signedPreKey: SignedPreKey?
    /// A new last-resort KEM prekey, likewise.
    public var lastResortKEMPreKey: KEMPreKey?
    /// New one-time prekeys, ids fresh above the last issued.
    public var oneTimePreKeys: [OneTimePreKey] = []
    /// New one-time KEM prekeys.
    public var kemPreKeys: [KEMPreKey] = []
    /// Signed prekeys deleted after their grace period (their last-resort uses went with them).
    public var retiredSignedPreKeys: [SignedPreKeyID] = []
    /// Last-resort KEM prekeys deleted after their grace period, with their uses.
    public var retiredKEMPreKeys: [KEMPreKeyID] = []

    /// Whether anything needs uploading.
    public var hasNewKeys: Bool {
        signedPreKey != nil || lastResortKEMPreKey != nil || !oneTimePreKeys.isEmpty || !kemPreKeys.isEmpty
    }
}
