@_spi(Hazmat) import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireWire

/// The cross-app decoders as one fuzz target (SPEC §12): envelopes, content (plain and padded), signed
/// device lists and their parts, signed group states, and the device-list and group records. What decodes must re-encode to bytes that decode to the same value,
/// and a list that verifies is then compared with the fixture's trusted list, as a client would.
/// Attachments: pointers decode strictly, and any input as a blob (with its own digest, so the MAC
/// and structure checks run) is refused identically whole and split in two, never accepted unless genuine.
enum CrossAppFuzzing {
    struct Fixture: Sendable {
        let user: UserAddress
        let trusted: VerifiedDeviceList
        let seeds: [[UInt8]]
        /// Sealed sender: the recipient's identity and the trust root its certificates chain to.
        let recipient: IdentityKeyPair
        let trustRoot: ECPublicKey
        /// Attachments: one key per format, under which the seeds' blobs were made.
        let attachmentKeys: [AttachmentKey]
    }

    static let fixture: Fixture = {
        let user = try! UserAddress(parsing: "whatsapp:alice")
        let entropy = SeededEntropy(seed: 41)
        let primary = IdentityKeyPair.generate(using: SeededEntropy(seed: 42))
        func identity(_ id: UInt32, _ key: IdentityKey) -> DeviceIdentity {
            try! DeviceIdentity(user: user, deviceID: DeviceID(id), registrationID: RegistrationID(rawValue: id)!, identityKey: key, addedAt: UInt64(id))
        }
        func list(_ version: UInt64, _ companions: [UInt32]) -> SignedDeviceList {
            let attestations = companions.map { id -> DeviceAttestation in
                let pair = IdentityKeyPair.generate(using: SeededEntropy(seed: 42 + UInt64(id)))
                let approval = DeviceAttestation.accountSignature(for: identity(id, pair.identityKey), by: primary, using: entropy)
                return try! DeviceAttestation(countersigning: identity(id, pair.identityKey), accountSignature: approval,
                                              primary: primary.identityKey, companion: pair, using: entropy)
            }
            return try! DeviceList(user: user, version: version, primary: identity(1, primary.identityKey), companions: attestations)
                .signed(by: primary, using: entropy)
        }
        let trusted = try! list(2, [2]).verified(for: user)
        let next = list(3, [2, 3])
        let alice = try! DeviceAddress(parsing: "whatsapp:alice/2"), bob = try! DeviceAddress(parsing: "messenger:bob/1")
        let envelope = try! Envelope(kind: .signalMessage, recipient: bob, sender: alice, messageID: .random(using: entropy),
                                     serverTimestamp: 1_764_590_400_000, ciphertext: [0x33] + entropy.bytes(50))
        let sealed = try! Envelope(kind: .sealedSenderV2, recipient: bob, sender: nil, messageID: .random(using: entropy), ciphertext: entropy.bytes(30))
        let group = GroupID.random(using: entropy)
        let distribution = SenderKeyDistributionMessage(layout: .distributionUUID, distributionID: entropy.bytes(16), chainID: 1, iteration: 0,
                                                        chainKey: try! SymmetricKey256(rawRepresentation: entropy.bytes(32)),
                                                        signingKey: ECKeyPair.generate(using: entropy).publicKey.serialized)
        let content = try! Content(type: .text, senderTimestamp: 7, groupID: group, senderKeyDistribution: distribution,
                                   syncDestination: bob.user, body: Array("hi".utf8))
        let state = try! GroupState(groupID: group, version: 2, name: "fuzz", admins: [user], members: [user, bob.user])
        let signedState = SignedGroupState(signing: state, as: alice, identity: primary, using: entropy)
        let record = DeviceListRecord(list: trusted, stale: [StaleDevice(identity: trusted.devices[0], removedAt: 5)])
        let root = ECKeyPair.generate(using: entropy), server = ECKeyPair.generate(using: entropy)
        let serverCertificate = ServerCertificate(keyID: 9, key: server.publicKey, trustRoot: root.privateKey, using: entropy)
        let senderCertificate = SenderCertificate(senderUUID: "whatsapp:alice", senderDevice: DeviceID(2), expiration: 1 << 60,
                                                  identityKey: primary.identityKey, signer: serverCertificate, serverKey: server.privateKey,
                                                  using: entropy)
        let recipient = IdentityKeyPair.generate(using: SeededEntropy(seed: 49))
        let usmc = UnidentifiedSenderMessageContent(type: .signal, senderCertificate: senderCertificate, content: [0x33] + entropy.bytes(40),
                                                    contentHint: 1, groupID: entropy.bytes(16))
        let sealedMessage = try! SealedSenderV1.seal(usmc, from: primary, to: recipient.identityKey, using: entropy)
        let sentV2 = try! SealedSenderV2.seal(usmc, from: primary, to: [
            SealedSenderV2.Recipient(device: bob, registrationID: RegistrationID(rawValue: 7)!, identityKey: recipient.identityKey),
            SealedSenderV2.Recipient(device: alice, registrationID: RegistrationID(rawValue: 8)!, identityKey: primary.identityKey),
        ], using: entropy)
        let receivedV2 = try! SealedSenderV2.receivedForms(of: sentV2)[0].received
        // Their own stream, so the earlier seeds stay byte for byte what they were.
        let media = SeededEntropy(seed: 60)
        let attachmentKeys = [AttachmentKey(for: .signal, using: media), AttachmentKey(for: .whatsApp(.audio), using: media)]
        let blobs = attachmentKeys.map { try! AttachmentCipher.encrypt(media.bytes(600), with: $0, using: media) }
        let pointer = try! AttachmentPointer(blobs[1].attachment, contentType: "audio/ogg", blobID: "fuzz", fileName: "note.ogg")
        return Fixture(user: user, trusted: trusted,
                       seeds: [envelope.serialized, sealed.serialized, content.serialized, content.padded, next.serialized, next.list,
                               signedState.serialized, record.serialized, GroupRecord(state: signedState, distributionID: entropy.bytes(16),
                                                                                       distributedTo: [bob]).serialized,
                               sealedMessage, usmc.serialized, senderCertificate.serialized, serverCertificate.serialized, sentV2, receivedV2,
                               pointer.serialized, blobs[0].blob, blobs[1].blob],
                       recipient: recipient, trustRoot: root.publicKey, attachmentKeys: attachmentKeys)
    }()

    static func run(_ data: [UInt8]) -> FuzzTarget.Outcome {
        var outcomes: [FuzzTarget.Outcome] = []
        outcomes.append(typed {
            let envelope = try Envelope(serialized: data)
            if try Envelope(serialized: envelope.serialized) != envelope { fatalError("an envelope does not survive re-encoding") }
            _ = envelope.stamped(at: 1).serialized
        })
        outcomes.append(typed {
            let content = try Content(serialized: data)
            if try Content(serialized: content.serialized) != content || (try Content(padded: content.padded)) != content {
                fatalError("content does not survive re-encoding")
            }
        })
        outcomes.append(typed { _ = try Content(padded: data) })
        outcomes.append(typed {
            let list = try DeviceList(serialized: data[...])
            if try DeviceList(serialized: list.serialized[...]) != list { fatalError("a device list does not survive re-encoding") }
        })
        outcomes.append(typed { _ = try DeviceIdentity(serialized: data[...]) })
        outcomes.append(typed { _ = try DeviceAttestation(serialized: data[...]) })
        outcomes.append(typed {
            let verified = try SignedDeviceList(serialized: data).verified(for: fixture.user)
            let change = try fixture.trusted.change(to: verified)
            _ = try Fingerprint(iterations: 2, local: verified, remote: fixture.trusted)
            _ = change.safetyNumberChanged
        })
        outcomes.append(typed {
            let signed = try SignedGroupState(serialized: data)
            if try SignedGroupState(serialized: signed.serialized) != signed { fatalError("a signed group state does not survive re-encoding") }
            _ = try signed.verify(signerIdentity: fixture.trusted.primaryIdentity, replacing: nil)
        })
        outcomes.append(typed {
            let record = try DeviceListRecord(serialized: data)
            if try DeviceListRecord(serialized: record.serialized) != record { fatalError("a device-list record does not survive re-encoding") }
            _ = record.pruning(removedBefore: 10)
        })
        outcomes.append(typed {
            let record = try GroupRecord(serialized: data)
            if try GroupRecord(serialized: record.serialized) != record { fatalError("a group record does not survive re-encoding") }
        })
        // Sealed sender: the message opened with the fixture's recipient, the content, both certificates.
        outcomes.append(typed {
            let content = try SealedSenderV1.open(data, recipient: fixture.recipient)
            try content.senderCertificate.validate(trustRoot: fixture.trustRoot, at: 0)
        })
        outcomes.append(typed {
            let content = try UnidentifiedSenderMessageContent(serialized: data)
            if try UnidentifiedSenderMessageContent(serialized: content.serialized) != content { fatalError("sealed content does not survive re-encoding") }
        })
        outcomes.append(typed { try SenderCertificate(serialized: data).validate(trustRoot: fixture.trustRoot, at: 0) })
        outcomes.append(typed {
            let content = try SealedSenderV2.open(data, recipient: fixture.recipient)
            try content.senderCertificate.validate(trustRoot: fixture.trustRoot, at: 0)
        })
        outcomes.append(typed {
            for form in try SealedSenderV2.receivedForms(of: data) where form.received.first != SealedSenderV2.receivedVersion {
                fatalError("a split form without the received version byte")
            }
        })
        outcomes.append(typed { _ = try ServerCertificate(serialized: data).validate(trustRoot: fixture.trustRoot) })
        outcomes.append(typed {
            let pointer = try AttachmentPointer(serialized: data)
            if try AttachmentPointer(serialized: pointer.serialized) != pointer { fatalError("a pointer does not survive re-encoding") }
        })
        for key in fixture.attachmentKeys {
            outcomes.append(typed {
                let reference = try AttachmentReference(key: key, digest: SHA256Hash.hash(data))
                let whole: Result<[UInt8], AttachmentError> = Result { () throws(AttachmentError) in try AttachmentCipher.decrypt(data, expecting: reference) }
                if case .success = whole, !fixture.seeds.contains(data) { fatalError("a forged attachment blob was accepted") }
                // The same blob in two chunks split where its first byte says: the same verdict.
                let split = data.isEmpty ? 0 : Int(data[0]) % data.count
                var decryptor = try AttachmentDecryptor(expecting: reference)
                var output = [UInt8](repeating: 0, count: data.count + 2 * AttachmentDecryptor.overheadCount)
                let streamed: Result<Int, AttachmentError> = data.withUnsafeBytes { input in
                    output.withUnsafeMutableBytes { out in
                        Result { () throws(AttachmentError) in
                            var written = try decryptor.update(UnsafeRawBufferPointer(rebasing: input[0..<split]), into: out)
                            written += try decryptor.update(UnsafeRawBufferPointer(rebasing: input[split...]),
                                                            into: UnsafeMutableRawBufferPointer(rebasing: out[written...]))
                            return written + (try decryptor.finish(into: UnsafeMutableRawBufferPointer(rebasing: out[written...])))
                        }
                    }
                }
                switch (whole, streamed) {
                case (.success(let plaintext), .success(let count)) where Array(output[0..<count]) == plaintext: break
                case (.failure(let a), .failure(let b)) where a.code == b.code: break
                default: fatalError("an attachment blob decrypts differently split at \(split)")
                }
                _ = try whole.get()
            })
        }
        return FuzzTarget.Outcome.any(outcomes)
    }
}
