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
    /// Every record and key deserializer, and hex decoding.
    case records
    /// One line of the JSON-lines interop protocol: the answer must be a JSON object with `ok`.
    case interopLine = "interop_line"
    /// Decrypting a SignalMessage on the fixture's live session; a failure must leave the record unchanged.
    case decryptSignal = "decrypt_signal"
    /// Decrypting a PreKey message from a new initiator; a failure must leave the store unchanged.
    case decryptPreKey = "decrypt_prekey"
    /// Decrypting a group message from a known sender; a failure must leave the store unchanged.
    case decryptSenderKey = "decrypt_sender_key"

    /// Runs one input; returns normally or traps (which libFuzzer reports as a crash). The first call
    /// builds the shared fixture, so it is slower than the rest.
    public func run(_ data: [UInt8]) async {
        switch self {
        case .signalMessage:
            typed { _ = try SignalMessage(serialized: data) }
        case .preKeyMessage:
            typed { _ = try PreKeySignalMessage(serialized: data) }
        case .senderKeyMessage:
            for layout in SenderKeyLayout.allCases {
                typed { _ = try SenderKeyMessage(serialized: data, layout: layout) }
                typed { _ = try SenderKeyDistributionMessage(serialized: data, layout: layout) }
            }
        case .records:
            typed { _ = try SessionRecord(serialized: data) }
            typed { _ = try SenderKeyRecord(serialized: data) }
            typed { _ = try IdentityKeyPair(serialized: data) }
            typed { _ = try OneTimePreKey(serialized: data) }
            typed { _ = try SignedPreKey(serialized: data) }
            typed { _ = try KEMPreKey(serialized: data) }
            typed { _ = try Hex.decode(String(decoding: data, as: UTF8.self)) }
        case .interopLine:
            let line = String(decoding: data, as: UTF8.self)
            let (answer, _) = await InteropServer(entropy: SeededEntropy(seed: 1)).handle(line: line)
            guard let object = try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any], object["ok"] is Bool else {
                fatalError("interop answer is not a JSON object with ok: \(answer.prefix(200))")
            }
        case .decryptSignal:
            let fixture = await Fixture.sharedValue
            var record = fixture.bobRecord
            do {
                _ = try record.decrypt(try SignalMessage(serialized: data), using: SeededEntropy(seed: 2))
            } catch {
                checkTyped(error)
                if record.serialized != fixture.bobRecordBytes { fatalError("a failed decrypt changed the session record") }
            }
        case .decryptPreKey:
            let fixture = await Fixture.sharedValue
            let before = await fixture.bobStore.snapshot()
            do {
                _ = try await fixture.bobCipher.decrypt(data, kind: .preKey)
                await fixture.bobStore.restore(before)
            } catch {
                checkTyped(error)
                if await fixture.bobStore.snapshot() != before { fatalError("a failed PreKey decrypt changed the store") }
            }
        case .decryptSenderKey:
            let fixture = await Fixture.sharedValue
            let before = await fixture.bobStore.snapshot()
            do {
                _ = try await fixture.bobGroup.decrypt(data, from: fixture.aliceAddress, groupID: Fixture.groupID)
                await fixture.bobStore.restore(before)
            } catch {
                checkTyped(error)
                if await fixture.bobStore.snapshot() != before { fatalError("a failed group decrypt changed the store") }
            }
        }
    }

    /// Valid inputs to start a campaign from: real messages and records for the fixture's sessions.
    public func seeds() async throws -> [[UInt8]] {
        let fixture = await Fixture.sharedValue
        switch self {
        case .signalMessage, .decryptSignal: return fixture.signalMessages
        case .preKeyMessage, .decryptPreKey: return fixture.preKeyMessages
        case .senderKeyMessage, .decryptSenderKey: return fixture.groupMessages + [fixture.distribution]
        case .records: return [fixture.bobRecordBytes, fixture.senderKeyRecordBytes, fixture.identityBytes]
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
    case is SessionError, is GroupError, is RecordError, is FingerprintError, is WireFormatError, is CryptoError: return
    default: fatalError("untyped error escaped: \(type(of: error)): \(error)")
    }
}

func typed(_ body: () throws -> Void) {
    do { try body() } catch { checkTyped(error) }
}
