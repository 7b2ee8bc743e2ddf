import CrosswireCrypto

/// The public keys a device uploads to the directory (SPEC §12.8): its identity, registration id, the
/// current signed prekey, one-time prekeys and the KEM prekeys (last-resort and one-time), as
/// `DeviceMaintenance.run()` reports them. Bundles are built from these, one one-time prekey each.
public struct PublishedKeys: Sendable {
    /// The device's identity key.
    public let identityKey: IdentityKey
    /// The device's registration id.
    public let registrationID: RegistrationID
    /// The signed prekey to hand out (the newest).
    public let signedPreKey: (id: SignedPreKeyID, key: ECPublicKey, signature: [UInt8])?
    /// One-time prekeys, each handed out once.
    public let oneTimePreKeys: [(id: PreKeyID, key: ECPublicKey)]
    /// KEM prekeys: one-time ones first, then the last-resort one (reused once they run out).
    public let kemPreKeys: [(id: KEMPreKeyID, key: MLKEMPublicKey, signature: [UInt8], lastResort: Bool)]

    /// What `report` asks to upload for a device with this identity.
    public init(identityKey: IdentityKey, registrationID: RegistrationID, report: MaintenanceReport) {
        self.identityKey = identityKey
        self.registrationID = registrationID
        signedPreKey = report.signedPreKey.map { ($0.id, $0.keyPair.publicKey, $0.signature) }
        oneTimePreKeys = report.oneTimePreKeys.map { ($0.id, $0.keyPair.publicKey) }
        kemPreKeys = (report.kemPreKeys + (report.lastResortKEMPreKey.map { [$0] } ?? []))
            .map { ($0.id, $0.publicKey, $0.signature, $0.isLastResort) }
    }
}
