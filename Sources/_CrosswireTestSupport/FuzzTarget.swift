import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireInterop
import CrosswireWire
import Foundation

/// Every decoder and decrypt path, as a function of arbitrary bytes (SPEC.md §10). Each target must
/// return normally for any input: a failure has to be one of Crosswire's typed errors, and a failed
/// decrypt must leave every record and store exactly as it was. Anything else traps, which libFuzzer
/// reports as a crash.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `SignalMessage` decoding.
    case signalMessage = "signal_message"
    /// `PreKeySignalMessage` decoding, inner message included.
    case preKeyMessage = "prekey_message"
    /// Sender Key message and distribution decoding, in both layouts.
    case senderKeyMessage = "sender_key_message"
    /// Every record and key deserializer, hex decoding, cross-app addresses and content padding.
    case records
    /// One line of the JSON-lines interop protocol: the answer must be a JSON object with `ok`.
    case interopLine = "interop_line"
    /// Decrypting a SignalMessage on the fixture's live session; a failure must leave the record unchanged.
    case decryptSignal = "decrypt_signal"
    /// Decrypting a PreKey message from a new initiator; a failure must leave the store unchanged.
    case decryptPreKey = "decrypt_prekey"
    /// Decrypting a group message from a known sender; a failure must leave the store unchanged.
    case decryptSenderKey = "decrypt_sender_key"
    /// The cross-app decoders: envelope, content, signed device lists and their parts, group states, records.
    case crossApp = "cross_app"

    /// What one input did: accepted (decoded, or decrypted) or refused with a typed error.
    public enum Outcome: Sendable, Equatable, CustomStringConvertible {
        /// At least one decoder accepted it, or it decrypted.
        case accepted
        /// Every path refused it; the code name of the (last) typed error.
        case refused(String)

        /// `accepted`, or `refused (code)`.
        public var description: String {
            switch self {
            case .accepted: "accepted"
            case .refused(let code): "refused (\(code))"
            }
        }
    }

    /// Runs one input; returns what it did, or traps (which libFuzzer reports as a crash). The first call
    /// builds the shared fixture, so it is slower than the rest.
    @discardableResult
    public func run(_ data: [UInt8]) async -> Outcome {
        switch self {
        case .signalMessage:
            return typed { _ = try SignalMessage(serialized: data) }
        case .preKeyMessage:
            return typed { _ = try PreKeySignalMessage(serialized: data) }
        case .senderKeyMessage:
            var outcomes: [Outcome] = []
            for layout in SenderKeyLayout.allCases {
                outcomes.append(typed { _ = try SenderKeyMessage(serialized: data, layout: layout) })
                outcomes.append(typed { _ = try SenderKeyDistributionMessage(serialized: data, layout: layout) })
            }
            return Outcome.any(outcomes)
        case .records:
            return await Self.records(data)
        case .crossApp:
            return CrossAppFuzzing.run(data)
        case .interopLine:
            let line = String(decoding: data, as: UTF8.self)
            let (answer, _) = await InteropServer(entropy: SeededEntropy(seed: 1)).handle(line: line)
            guard let object = try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any], let ok = object["ok"] as? Bool else {
                fatalError("interop answer is not a JSON object with ok: \(answer.prefix(200))")
            }
            return ok ? .accepted : .refused(String(describing: object["error"] ?? "error"))
        case .decryptSignal:
            let fixture = await Fixture.sharedValue
            var record = fixture.bobRecord
            do {
                _ = try record.decrypt(try SignalMessage(serialized: data), using: SeededEntropy(seed: 2))
                return .accepted
            } catch {
                checkTyped(error)
                if record.serialized != fixture.bobRecordBytes { fatalError("a failed decrypt changed the session record") }
                return .refused(Self.codeName(error))
            }
        case .decryptPreKey:
            let fixture = await Fixture.sharedValue
            let before = await fixture.bobStore.snapshot()
            do {
                _ = try await fixture.bobPreKeyCipher.decrypt(data, kind: .preKey)
                await fixture.bobStore.restore(before)
                return .accepted
            } catch {
                checkTyped(error)
                if await fixture.bobStore.snapshot() != before { fatalError("a failed PreKey decrypt changed the store") }
                return .refused(error.codeName)
            }
        case .decryptSenderKey:
            let fixture = await Fixture.sharedValue
            let before = await fixture.bobStore.snapshot()
            do {
                _ = try await fixture.bobGroup.decrypt(data, from: fixture.aliceAddress, groupID: Fixture.groupID)
                await fixture.bobStore.restore(before)
                return .accepted
            } catch {
                checkTyped(error)
                if await fixture.bobStore.snapshot() != before { fatalError("a failed group decrypt changed the store") }
                return .refused(error.codeName)
            }
        }
    }

    /// Every record and key decoder; what decodes is also used, so that a record that decodes but
    /// cannot be used safely (a trap, a loop) shows up here.
    private static func records(_ data: [UInt8]) async -> Outcome {
        let fixture = await Fixture.sharedValue
        var outcomes: [Outcome] = []
        outcomes.append(typed {
            var record = try SessionRecord(serialized: data)
            var copy = record
            _ = try? copy.encrypt([1, 2, 3])
            for message in fixture.signalMessages.prefix(1) {
                _ = try? record.decrypt(try SignalMessage(serialized: message), using: SeededEntropy(seed: 2))
            }
            _ = record.serialized
        })
        outcomes.append(await typedAsync {
            let record = try SenderKeyRecord(serialized: data)
            let store = InMemorySignalProtocolStore(identity: fixture.bobIdentity, registrationID: RegistrationID(rawValue: 22)!)
            await store.storeSenderKey(record, for: SenderKeyName(groupID: Fixture.groupID, sender: fixture.aliceAddress))
            let group = GroupCipher(store: store, localAddress: fixture.aliceAddress, entropy: SeededEntropy(seed: 3))
            _ = try? await group.encrypt([4, 5], groupID: Fixture.groupID)
            for message in fixture.groupMessages.prefix(1) {
                _ = try? await group.decrypt(message, from: fixture.aliceAddress, groupID: Fixture.groupID)
            }
        })
        outcomes.append(typed { _ = try IdentityKeyPair(serialized: data) })
        outcomes.append(typed { _ = try OneTimePreKey(serialized: data) })
        outcomes.append(typed { _ = try SignedPreKey(serialized: data) })
        outcomes.append(typed { _ = try KEMPreKey(serialized: data) })
        outcomes.append(typed { _ = try Hex.decode(String(decoding: data, as: UTF8.self)) })
        // Cross-app addresses (binary and text) and content padding: what decodes must re-encode to the
        // same bytes, since each form is canonical.
        outcomes.append(typed {
            let device = try DeviceAddress(serialized: data)
            let reparsed = try DeviceAddress(parsing: device.description)
            if device.serialized != data || reparsed != device { fatalError("a device address is not canonical") }
        })
        outcomes.append(typed {
            let user = try UserAddress(serialized: data)
            if user.serialized != data { fatalError("a user address is not canonical") }
        })
        outcomes.append(typed {
            let text = String(decoding: data, as: UTF8.self)
            let device = try DeviceAddress(parsing: text)
            if device.description != text { fatalError("a device address's text is not canonical") }
        })
        outcomes.append(typed {
            let content = try ContentPadding.unpad(data)
            if ContentPadding.pad(content) != data { fatalError("padding is not canonical") }
        })
        return Outcome.any(outcomes)
    }

    static func codeName(_ error: Error) -> String {
        switch error {
        case let error as any CrosswireError: error.codeName
        case let error as WireFormatError: "\(error.code)"
        case let error as CryptoError: "\(error.code)"
        default: "\(type(of: error))"
        }
    }

    /// Valid inputs to start a campaign from: real messages and records for the fixture's sessions.
    public func seeds() async throws -> [[UInt8]] {
        let fixture = await Fixture.sharedValue
        switch self {
        case .signalMessage, .decryptSignal: return fixture.signalMessages
        case .preKeyMessage, .decryptPreKey: return fixture.preKeyMessages
        case .senderKeyMessage: return fixture.groupMessages + [fixture.distribution]
        case .decryptSenderKey: return fixture.groupMessages
        case .records:
            let device = try DeviceAddress(parsing: "whatsapp:alice/2")
            return [fixture.bobRecordBytes, fixture.senderKeyRecordBytes, fixture.identityBytes, device.serialized, device.user.serialized,
                    Array(device.description.utf8), ContentPadding.pad(Array("hello".utf8))]
        case .crossApp:
            return CrossAppFuzzing.fixture.seeds
        case .interopLine:
            return [
                #"{"id":1,"op":"info"}"#, #"{"id":2,"op":"create_party","party":"a","device_id":1,"registration_id":7}"#,
                #"{"id":3,"op":"decrypt","party":"a","peer":"b","peer_device":1,"message_type":2,"ciphertext":"33"}"#,
                #"{"id":4,"op":"group_decrypt","party":"a","sender":"b","sender_device":1,"group":"00","ciphertext":""}"#,
            ].map { Array($0.utf8) }
        }
    }
}

/// Only Crosswire's typed errors may come out of a target.
func checkTyped(_ error: Error) {
    switch error {
    case is SessionError, is GroupError, is RecordError, is FingerprintError, is WireFormatError, is CryptoError, is AddressError,
         is EnvelopeError, is DeviceListError, is GroupStateError, is ClientError, is SealedSenderError, is AttachmentError: return
    default: fatalError("untyped error escaped: \(type(of: error)): \(error)")
    }
}

func typed(_ body: () throws -> Void) -> FuzzTarget.Outcome {
    do {
        try body()
        return .accepted
    } catch {
        checkTyped(error)
        return .refused(FuzzTarget.codeName(error))
    }
}

func typedAsync(_ body: () async throws -> Void) async -> FuzzTarget.Outcome {
    do {
        try await body()
        return .accepted
    } catch {
        checkTyped(error)
        return .refused(FuzzTarget.codeName(error))
    }
}

extension FuzzTarget.Outcome {
    /// Accepted when any path accepted; otherwise the last refusal.
    static func any(_ outcomes: [Self]) -> Self {
        outcomes.contains(.accepted) ? .accepted : (outcomes.last ?? .refused("none"))
    }
}
