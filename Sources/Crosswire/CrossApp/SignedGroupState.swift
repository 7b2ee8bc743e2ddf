import CrosswireCrypto
import CrosswireWire

/// A group state with the signature of the admin device that made it (SPEC §12.7):
/// `{1 state, 2 signer (DeviceAddress), 3 signature}`, the signature XEdDSA by the signer's identity key
/// over `"crosswire/group-state/v1" 00 ‖ state`.
public struct SignedGroupState: Sendable, Hashable {
    /// What the admin signs before the state bytes.
    public static let label: [UInt8] = Array("crosswire/group-state/v1".utf8) + [0]

    /// The decoded state.
    public let state: GroupState
    /// `state.serialized` as signed.
    public let stateBytes: [UInt8]
    /// The admin device that signed.
    public let signer: DeviceAddress
    /// Its XEdDSA signature (64 bytes).
    public let signature: [UInt8]

    /// Signs `state` as `signer` with that device's identity key pair.
    public init(signing state: GroupState, as signer: DeviceAddress, identity: IdentityKeyPair,
                using entropy: some EntropySource = SystemEntropy()) {
        self.state = state
        stateBytes = state.serialized
        self.signer = signer
        signature = identity.signature(for: Self.label + stateBytes, using: entropy)
    }

    /// Checks that the signer is an admin of `previous` (or, for a new group, of this state), that
    /// `signerIdentity` (the signer's key on its verified device list) signed it, and that the version
    /// goes up. Returns `false` for the accepted state again (no change).
    public func verify(signerIdentity: IdentityKey, replacing previous: GroupState?) throws(GroupStateError) -> Bool {
        if let previous {
            guard previous.groupID == state.groupID else { throw GroupStateError(.wrongGroup, "a state of another group") }
            if state.version == previous.version {
                guard state == previous else {
                    throw GroupStateError(.conflictingVersion, "two different states claim version \(state.version)")
                }
                return false
            }
            guard state.version > previous.version else {
                throw GroupStateError(.staleVersion, "version \(state.version) does not replace the accepted \(previous.version)")
            }
        }
        guard (previous ?? state).admins.contains(signer.user) else {
            throw GroupStateError(.notAdmin, "\(signer.user) is not an admin of the group")
        }
        guard signerIdentity.isValidSignature(signature, for: Self.label + stateBytes) else {
            throw GroupStateError(.invalidSignature, "the group state is not signed by \(signer)")
        }
        return true
    }

    /// The wire form.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: stateBytes.count + 100)
        writer.appendBytes(field: 1, stateBytes)
        writer.appendBytes(field: 2, signer.serialized)
        writer.appendBytes(field: 3, signature)
        return writer.bytes
    }

    /// Decodes the state and the signer; nothing is verified until `verify(signerIdentity:replacing:)`.
    public init(serialized bytes: [UInt8]) throws(GroupStateError) {
        let fields = try GroupStateError.decode("SignedGroupState") { try ProtobufFields(bytes[...], fields: 3) }
        guard let stateBytes = try GroupStateError.decode("SignedGroupState state", { try fields.bytes(1) }),
              let signerBytes = try GroupStateError.decode("SignedGroupState signer", { try fields.bytes(2) }),
              let signature = try GroupStateError.decode("SignedGroupState signature", { try fields.bytes(3, count: 64) })
        else { throw GroupStateError(.invalidMessage, "a signed group state has state, signer and signature") }
        state = try GroupState(serialized: stateBytes)
        self.stateBytes = Array(stateBytes)
        do { signer = try DeviceAddress(serialized: signerBytes) } catch {
            throw GroupStateError(.invalidMessage, "the signer: \(error.reason)", underlying: error)
        }
        self.signature = Array(signature)
    }
}
