import CrosswireCrypto

/// The prekey lifecycle of one device, each run one transaction on its store: rotate the signed prekey
/// and the last-resort KEM prekey on schedule, delete replaced ones after a grace period (pruning
/// their last-resort uses), and top up one-time prekeys with ids never issued before. Run it at start
/// and on a timer; upload what the report lists.
public struct DeviceMaintenance<Store: SignalProtocolStore>: Sendable {
    /// The device's store.
    public let store: Store
    /// The schedule.
    public let policy: PreKeyPolicy
    let entropy: any EntropySource
    let now: @Sendable () -> UInt64

    /// Maintenance for `store`; `entropy` and `now` (milliseconds since 1970) are injectable for tests.
    public init(store: Store, policy: PreKeyPolicy = PreKeyPolicy(), entropy: any EntropySource = SystemEntropy(),
                now: @escaping @Sendable () -> UInt64 = Timestamp.now) {
        self.store = store
        self.policy = policy
        self.entropy = entropy
        self.now = now
    }

    /// One round of rotation, retirement and replenishment, committed together. Store failures are
    /// `StoreError`s or the store's own errors, and leave the store as it was.
    public func run() async throws -> MaintenanceReport {
        let policy = policy, entropy = entropy, time = now()
        return try await store.transaction(.device) { (transaction: inout Store.Transaction) throws in
            var report = MaintenanceReport()
            let identity = try transaction.identityKeyPair()

            // Signed prekeys: a new one when the newest is due, then retire replaced ones past grace.
            var signed = try transaction.signedPreKeys().sorted { ($0.timestamp, $0.id.rawValue) < ($1.timestamp, $1.id.rawValue) }
            if Self.isDue(newest: signed.last?.timestamp, now: time, after: policy.rotationInterval) {
                let id = try Self.nextID(after: transaction.lastIssuedSignedPreKeyID()?.rawValue, max: PreKeyID.maxIssued) {
                    try transaction.signedPreKey(id: SignedPreKeyID($0)) != nil
                }
                let key = SignedPreKey.generate(id: SignedPreKeyID(id), signedBy: identity, timestamp: time, using: entropy)
                try transaction.storeSignedPreKey(key)
                signed.append(key)
                report.signedPreKey = key
            }
            for (old, successor) in zip(signed, signed.dropFirst()) where Self.isDue(newest: successor.timestamp, now: time, after: policy.gracePeriod) {
                try transaction.removeSignedPreKey(id: old.id)
                report.retiredSignedPreKeys.append(old.id)
            }

            // One-time prekeys, ids continuing from the last issued (never one an old bundle names).
            let held = try transaction.preKeyIDs().count
            if held < policy.oneTimeMinimum {
                var last = try transaction.lastIssuedPreKeyID()?.rawValue
                for _ in held..<policy.oneTimeBatch {
                    let id = try Self.nextID(after: last, max: PreKeyID.maxIssued) { try transaction.preKey(id: PreKeyID($0)) != nil }
                    let key = OneTimePreKey(id: PreKeyID(id), keyPair: .generate(using: entropy))
                    try transaction.storePreKey(key)
                    report.oneTimePreKeys.append(key)
                    last = id
                }
            }

            guard policy.postQuantum else { return report }
            var kem = try transaction.kemPreKeys()
            var lastKEM = try transaction.lastIssuedKEMPreKeyID()?.rawValue
            func nextKEMID() throws -> UInt32 {
                let id = try Self.nextID(after: lastKEM, max: PreKeyID.maxIssued) { try transaction.kemPreKey(id: KEMPreKeyID($0)) != nil }
                lastKEM = id
                return id
            }
            var lastResort = kem.filter(\.isLastResort).sorted { ($0.timestamp, $0.id.rawValue) < ($1.timestamp, $1.id.rawValue) }
            if Self.isDue(newest: lastResort.last?.timestamp, now: time, after: policy.rotationInterval) {
                let key = KEMPreKey.generate(id: KEMPreKeyID(try nextKEMID()), signedBy: identity, timestamp: time, lastResort: true, using: entropy)
                try transaction.storeKEMPreKey(key)
                lastResort.append(key)
                report.lastResortKEMPreKey = key
            }
            for (old, successor) in zip(lastResort, lastResort.dropFirst()) where Self.isDue(newest: successor.timestamp, now: time, after: policy.gracePeriod) {
                try transaction.removeKEMPreKey(id: old.id)
                report.retiredKEMPreKeys.append(old.id)
            }
            kem = kem.filter { !$0.isLastResort }
            if kem.count < policy.oneTimeMinimum {
                for _ in kem.count..<policy.oneTimeBatch {
                    let key = KEMPreKey.generate(id: KEMPreKeyID(try nextKEMID()), signedBy: identity, timestamp: time, lastResort: false, using: entropy)
                    try transaction.storeKEMPreKey(key)
                    report.kemPreKeys.append(key)
                }
            }
            return report
        }
    }

    /// A bundle of this device's current keys, for tests, demos and a server that wants the newest
    /// signed prekey, the lowest one-time prekey and a one-time KEM prekey (else the last-resort one).
    /// It claims nothing: a real server hands each one-time key out once.
    public func bundle(deviceID: DeviceID) async throws -> PreKeyBundle {
        try await store.transaction(.device) { (transaction: inout Store.Transaction) throws in
            guard let signed = try transaction.signedPreKeys().max(by: { ($0.timestamp, $0.id.rawValue) < ($1.timestamp, $1.id.rawValue) }) else {
                throw StoreError(.noLocalIdentity, "no signed prekey yet: run maintenance first")
            }
            let oneTime = try transaction.preKeyIDs().first.flatMap { try transaction.preKey(id: $0) }
            let kem = try transaction.kemPreKeys()
            let kemKey = kem.first { !$0.isLastResort } ?? kem.filter(\.isLastResort).max { $0.timestamp < $1.timestamp }
            return try PreKeyBundle(
                publishing: try transaction.identityKeyPair().identityKey, registrationID: try transaction.localRegistrationID(),
                deviceID: deviceID, signedPreKey: signed, oneTimePreKey: oneTime, kemPreKey: kemKey)
        }
    }

    /// The next id after `last` in 1...`max`, wrapping, skipping ids still held.
    private static func nextID(after last: UInt32?, max: UInt32, held: (UInt32) throws -> Bool) throws -> UInt32 {
        var id = last ?? 0
        for _ in 0..<1_000_000 {
            id = id >= max ? 1 : id + 1
            if try !held(id) { return id }
        }
        throw StoreError(.idCollision, "no free prekey id near \(last ?? 0)")
    }

    /// Whether `interval` has passed since `newest` (always, when there is none; never, when the clock
    /// went back).
    private static func isDue(newest: UInt64?, now: UInt64, after interval: UInt64) -> Bool {
        guard let newest else { return true }
        return now >= newest && now - newest >= interval
    }
}
