import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire
import Foundation

/// The signed-device-list and user-safety-number cases of `Vectors/envelope.json` (SPEC §12.3).
/// Accounts: 1 = whatsapp:alice, 2 = messenger:bob, 3 = whatsapp:alice re-registered with a new primary.
enum DeviceListVectors {
    struct Device {
        let identity: DeviceIdentity
        let pair: IdentityKeyPair
    }

    static let alice = try! UserAddress(parsing: "whatsapp:alice")
    static let bob = try! UserAddress(parsing: "messenger:bob")

    /// Device `device` of `account`: keys from `SeededEntropy(1000 + 100·account + device)`.
    static func device(_ account: Int, _ device: UInt32, user: UserAddress, addedAt: UInt64 = 1_764_590_400_000) throws -> Device {
        let pair = IdentityKeyPair.generate(using: SeededEntropy(seed: UInt64(1000 + 100 * account + Int(device))))
        let identity = try DeviceIdentity(user: user, deviceID: DeviceID(device), registrationID: RegistrationID(rawValue: UInt32(100 * account) + device)!,
                                          identityKey: pair.identityKey, addedAt: addedAt + UInt64(device) * 60_000)
        return Device(identity: identity, pair: pair)
    }

    /// The two-way attestation of `companion` by `primary`.
    static func attest(_ companion: Device, by primary: Device, _ entropy: some EntropySource) throws -> DeviceAttestation {
        let signature = DeviceAttestation.accountSignature(for: companion.identity, by: primary.pair, using: entropy)
        return try DeviceAttestation(countersigning: companion.identity, accountSignature: signature, primary: primary.identity.identityKey,
                                     companion: companion.pair, using: entropy)
    }

    static func signedList(_ user: UserAddress, _ version: UInt64, _ primary: Device, _ companions: [Device],
                           _ entropy: some EntropySource) throws -> SignedDeviceList {
        try DeviceList(user: user, version: version, primary: primary.identity,
                       companions: try companions.map { companion throws in try attest(companion, by: primary, entropy) })
            .signed(by: primary.pair, using: entropy)
    }

    /// A list encoded by hand (so it may break the rules the typed constructors enforce), signed by
    /// `signer` when given.
    static func rawList(_ user: UserAddress, _ version: UInt64, primary: [UInt8], companions: [[UInt8]],
                        signer: IdentityKeyPair?, _ entropy: some EntropySource) -> SignedDeviceList {
        var writer = ProtobufWriter()
        writer.appendBytes(field: 1, user.serialized)
        writer.appendUInt(field: 2, version)
        writer.appendBytes(field: 3, primary)
        for companion in companions { writer.appendBytes(field: 4, companion) }
        let list = writer.bytes
        return SignedDeviceList(list: list, signature: signer.map { $0.signature(for: SignedDeviceList.label + list, using: entropy) } ?? [])
    }

    /// An attestation encoded by hand over arbitrary `details`.
    static func rawAttestation(details: [UInt8], account: IdentityKeyPair?, device: IdentityKeyPair?, primaryKey: IdentityKey,
                               _ entropy: some EntropySource) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.appendBytes(field: 1, details)
        if let account { writer.appendBytes(field: 2, account.signature(for: DeviceAttestation.accountLabel + details, using: entropy)) }
        if let device {
            writer.appendBytes(field: 3, device.signature(for: DeviceAttestation.deviceLabel + details + primaryKey.serialized, using: entropy))
        }
        return writer.bytes
    }

    static func details(_ user: UserAddress, device: UInt32, registration: UInt32, key: IdentityKey, addedAt: UInt64) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.appendBytes(field: 1, user.serialized)
        writer.appendUInt(field: 2, UInt64(device))
        writer.appendUInt(field: 3, UInt64(registration))
        writer.appendBytes(field: 4, key.serialized)
        writer.appendUInt(field: 5, addedAt)
        return writer.bytes
    }

    struct Lists {
        let l1, l2, l3, l4, l2Other, renewed, bob: SignedDeviceList
    }

    static func lists(_ entropy: some EntropySource) throws -> Lists {
        let p = try device(1, 1, user: alice), c2 = try device(1, 2, user: alice), c3 = try device(1, 3, user: alice)
        let b1 = try device(2, 1, user: bob), b2 = try device(2, 2, user: bob), n1 = try device(3, 1, user: alice)
        return Lists(l1: try signedList(alice, 1, p, [], entropy), l2: try signedList(alice, 2, p, [c2], entropy),
                     l3: try signedList(alice, 3, p, [c2, c3], entropy), l4: try signedList(alice, 4, p, [c3], entropy),
                     l2Other: try signedList(alice, 2, p, [c3], entropy), renewed: try signedList(alice, 1, n1, [], entropy),
                     bob: try signedList(bob, 1, b1, [b2], entropy))
    }

    // MARK: Generation

    static func cases() throws -> [[String: Any]] {
        let entropy = SeededEntropy(seed: 7)
        let l = try lists(entropy)
        var cases: [[String: Any]] = []
        func valid(_ comment: String, _ user: UserAddress, _ list: SignedDeviceList, previous: SignedDeviceList? = nil) throws {
            let current = try list.verified(for: user)
            let change = try previous.map { p throws in try p.verified(for: user).change(to: current) }
                ?? DeviceListChange(previous: nil, current: current, identityChanged: false)
            var fields: [String: Any] = [
                "comment": comment, "result": "valid", "user": user.description, "list": Hex.encode(list.serialized),
                "version": Int(current.version), "primaryIdentity": Hex.encode(current.primaryIdentity.serialized),
                "devices": current.devices.map { d in
                    ["deviceId": Int(d.deviceID.rawValue), "registrationId": Int(d.registrationID.rawValue),
                     "identityKey": Hex.encode(d.identityKey.serialized), "addedAt": Int(d.addedAt)] as [String: Any]
                },
                "added": change.added.map { Int($0.deviceID.rawValue) }, "removed": change.removed.map { Int($0.deviceID.rawValue) },
                "identityChanged": change.identityChanged ? 1 : 0,
            ]
            if let previous { fields["previous"] = Hex.encode(previous.serialized) }
            cases.append(fields)
        }
        func invalid(_ comment: String, _ user: UserAddress, _ bytes: [UInt8], previous: SignedDeviceList? = nil, _ error: String) {
            var fields: [String: Any] = ["comment": comment, "result": "invalid", "user": user.description, "list": Hex.encode(bytes), "error": error]
            if let previous { fields["previous"] = Hex.encode(previous.serialized) }
            cases.append(fields)
        }
        try valid("the first list: the primary alone", alice, l.l1)
        try valid("a companion linked (version 2)", alice, l.l2, previous: l.l1)
        try valid("a second companion linked (version 3)", alice, l.l3, previous: l.l2)
        try valid("companion 2 removed (version 4)", alice, l.l4, previous: l.l3)
        try valid("versions may be skipped", alice, l.l3, previous: l.l1)
        try valid("the same list again: no change", alice, l.l2, previous: l.l2)
        try valid("a new primary identity starts over at version 1: identity changed", alice, l.renewed, previous: l.l4)
        try valid("another app's account with a companion", bob, l.bob)

        let p = try device(1, 1, user: alice), c2 = try device(1, 2, user: alice), c3 = try device(1, 3, user: alice)
        let b1 = try device(2, 1, user: bob), b2 = try device(2, 2, user: bob)
        let a2 = try attest(c2, by: p, entropy).serialized, a3 = try attest(c3, by: p, entropy).serialized
        let primary = p.identity.serialized
        func signed(_ companions: [[UInt8]], version: UInt64 = 5, signer: IdentityKeyPair? = p.pair) -> [UInt8] {
            rawList(alice, version, primary: primary, companions: companions, signer: signer, entropy).serialized
        }
        invalid("unsigned", alice, SignedDeviceList(list: l.l2.list, signature: []).serialized, "unsigned")
        invalid("signed by a companion's key, not the primary's", alice, signed([a2], signer: c2.pair), "invalidSignature")
        var flipped = l.l2.list
        flipped[flipped.count - 1] ^= 1
        invalid("one list byte changed after signing", alice, SignedDeviceList(list: flipped, signature: l.l2.signature).serialized, "invalidSignature")
        invalid("a 63-byte signature", alice, SignedDeviceList(list: l.l2.list, signature: Array(l.l2.signature.dropLast())).serialized, "invalidSignature")
        let d2 = c2.identity.serialized
        invalid("a companion without its signature back", alice,
                signed([rawAttestation(details: d2, account: p.pair, device: nil, primaryKey: p.identity.identityKey, entropy)]), "invalidAttestation")
        invalid("a companion without the primary's signature", alice,
                signed([rawAttestation(details: d2, account: nil, device: c2.pair, primaryKey: p.identity.identityKey, entropy)]), "invalidAttestation")
        invalid("a companion vouched for by another account's primary", alice,
                signed([rawAttestation(details: d2, account: b1.pair, device: c2.pair, primaryKey: p.identity.identityKey, entropy)]), "invalidAttestation")
        invalid("a companion's signature back made with another device's key", alice,
                signed([rawAttestation(details: d2, account: p.pair, device: c3.pair, primaryKey: p.identity.identityKey, entropy)]), "invalidAttestation")
        invalid("a companion's signature back over another primary's key", alice,
                signed([rawAttestation(details: d2, account: p.pair, device: c2.pair, primaryKey: b1.identity.identityKey, entropy)]), "invalidAttestation")
        let bobDevice = details(bob, device: 2, registration: 202, key: b2.identity.identityKey, addedAt: 1)
        invalid("a companion of another account", alice,
                signed([rawAttestation(details: bobDevice, account: p.pair, device: b2.pair, primaryKey: p.identity.identityKey, entropy)]), "wrongUser")
        invalid("the same companion twice", alice, signed([a2, a2]), "duplicateDevice")
        let asOne = details(alice, device: 1, registration: 102, key: c2.identity.identityKey, addedAt: 1)
        invalid("a companion with the primary's device id", alice,
                signed([rawAttestation(details: asOne, account: p.pair, device: c2.pair, primaryKey: p.identity.identityKey, entropy)]), "duplicateDevice")
        let twin = details(alice, device: 4, registration: 104, key: c2.identity.identityKey, addedAt: 1)
        invalid("two devices with one identity key", alice,
                signed([a2, rawAttestation(details: twin, account: p.pair, device: c2.pair, primaryKey: p.identity.identityKey, entropy)]), "duplicateIdentity")
        let many = try (2...17).map { id throws in try attest(try device(1, UInt32(id), user: alice), by: p, entropy).serialized }
        invalid("17 devices: one more than the maximum", alice, signed(many), "tooManyDevices")
        let high = details(alice, device: 128, registration: 128, key: c2.identity.identityKey, addedAt: 1)
        invalid("a device id of 128", alice,
                signed([rawAttestation(details: high, account: p.pair, device: c2.pair, primaryKey: p.identity.identityKey, entropy)]), "invalidDevice")
        let noRegistration = details(alice, device: 2, registration: 0, key: c2.identity.identityKey, addedAt: 1)
        invalid("registration id 0", alice,
                signed([rawAttestation(details: noRegistration, account: p.pair, device: c2.pair, primaryKey: p.identity.identityKey, entropy)]), "invalidDevice")
        invalid("companions out of order", alice, signed([a3, a2]), "invalidMessage")
        invalid("a rollback: version 2 after version 3", alice, l.l2.serialized, previous: l.l3, "rollback")
        invalid("a different list with the version already verified", alice, l.l2Other.serialized, previous: l.l2, "conflictingVersion")
        invalid("bob's list served for alice", alice, l.bob.serialized, "wrongUser")
        invalid("version byte 2", alice, [2] + l.l2.serialized.dropFirst(), "unsupportedVersion")
        invalid("truncated", alice, Array(l.l2.serialized.dropLast(5)), "invalidMessage")
        return cases
    }

    static func safetyNumberCases() throws -> [[String: Any]] {
        let l = try lists(SeededEntropy(seed: 7))
        var cases: [[String: Any]] = []
        for (comment, local, remote, iterations) in [
            ("alice (three devices) and bob (two), 5200 iterations", l.l3, l.bob, 5200),
            ("after alice removed a device", l.l4, l.bob, 5200),
            ("the other side's view: the same digits", l.bob, l.l3, 5200),
            ("alice alone, 1024 iterations", l.l1, l.bob, 1024),
        ] {
            let localList = try local.verified(for: local == l.bob ? bob : alice)
            let remoteList = try remote.verified(for: remote == l.bob ? bob : alice)
            let fingerprint = try Fingerprint(iterations: iterations, local: localList, remote: remoteList)
            cases.append(["comment": comment, "result": "valid", "localUser": localList.user.description, "local": Hex.encode(local.serialized),
                          "remoteUser": remoteList.user.description, "remote": Hex.encode(remote.serialized), "iterations": iterations,
                          "displayable": fingerprint.displayable, "scannable": Hex.encode(fingerprint.scannable)])
        }
        return cases
    }

    // MARK: Verification

    static func verify(_ test: VectorFile.Case) throws -> String? {
        let user = try UserAddress(parsing: test.strings["user"] ?? "")
        let list = try test.bytes("list")
        let previous = try test.strings["previous"].map { hex throws in try SignedDeviceList(serialized: try Hex.decode(hex)).verified(for: user) }
        func accept() throws -> DeviceListChange {
            let current = try SignedDeviceList(serialized: list).verified(for: user)
            return try previous.map { p throws in try p.change(to: current) } ?? DeviceListChange(previous: nil, current: current, identityChanged: false)
        }
        guard test.expectation == .valid else { return EnvelopeVectors.expectFailure(test) { _ = try accept() } }
        let change = try accept()
        if change.current.signed.serialized != list { return "the list does not re-encode to its bytes" }
        if Int(change.current.version) != test.integers["version"] { return "version differs" }
        if Hex.encode(change.current.primaryIdentity.serialized) != test.strings["primaryIdentity"] { return "primary identity differs" }
        let devices = change.current.devices.map { d in
            ["deviceId": String(d.deviceID.rawValue), "registrationId": String(d.registrationID.rawValue),
             "identityKey": Hex.encode(d.identityKey.serialized), "addedAt": String(d.addedAt)]
        }
        if devices != (test.lists["devices"] ?? []) { return "devices differ" }
        if change.added.map({ Int($0.deviceID.rawValue) }) != (test.integerLists["added"] ?? []) { return "added devices differ" }
        if change.removed.map({ Int($0.deviceID.rawValue) }) != (test.integerLists["removed"] ?? []) { return "removed devices differ" }
        if (change.identityChanged ? 1 : 0) != test.integers["identityChanged"] { return "identityChanged differs" }
        return nil
    }

    static func verifySafetyNumber(_ test: VectorFile.Case) throws -> String? {
        let local = try SignedDeviceList(serialized: try test.bytes("local")).verified(for: try UserAddress(parsing: test.strings["localUser"] ?? ""))
        let remote = try SignedDeviceList(serialized: try test.bytes("remote")).verified(for: try UserAddress(parsing: test.strings["remoteUser"] ?? ""))
        let fingerprint = try Fingerprint(iterations: test.integers["iterations"] ?? 0, local: local, remote: remote)
        if fingerprint.displayable != test.strings["displayable"] { return "displayable digits differ" }
        if Hex.encode(fingerprint.scannable) != test.strings["scannable"] { return "scannable bytes differ" }
        return nil
    }
}
