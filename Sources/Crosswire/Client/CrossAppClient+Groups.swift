import CrosswireCrypto
import CrosswireWire

/// Groups across apps (SPEC §12.7): membership is an admin-signed `GroupState` sent pairwise as
/// `Content`; messages are one Sender Key ciphertext fanned out to every member device. A device's
/// chain is handed over (at its current iteration, so chains only go forward) to every member device
/// that lacks it; when a member or a member's device leaves, the next send starts a new chain under a
/// new distribution id, so the one who left reads nothing sent after.
extension CrossAppClient {
    /// Creates a group with this account as its admin and sends its state to every member.
    public func createGroup(named name: String, members: [UserAddress]) async throws(ClientError) -> GroupID {
        let id = GroupID.random(using: entropy)
        let users = Array(Set(members + [address.user]))
        let state = try ClientError.wrap { try GroupState(groupID: id, version: 1, name: name, admins: [address.user], members: users) }
        try await adopt(state, notifying: [])
        return id
    }

    /// Adds `user` to the group (admins only) and sends the new state to every member.
    public func addMember(_ user: UserAddress, to group: GroupID) async throws(ClientError) {
        let current = try await requireGroup(group).state.state
        guard !current.members.contains(user) else { return }
        try await adopt(try ClientError.wrap { try current.next(members: current.members + [user]) }, notifying: [])
    }

    /// Removes `user` from the group (admins only); the removed user is told, and every member starts
    /// a new chain before its next message.
    public func removeMember(_ user: UserAddress, from group: GroupID) async throws(ClientError) {
        let current = try await requireGroup(group).state.state
        guard current.members.contains(user) else { return }
        try await adopt(try ClientError.wrap { try current.next(members: current.members.filter { $0 != user }) }, notifying: [user])
    }

    /// The group's accepted state.
    public func group(_ id: GroupID) async throws(ClientError) -> GroupState {
        try await requireGroup(id).state.state
    }

    /// Sends `content` (its group id set to `group`) to every device of every member, as one Sender Key
    /// ciphertext; hands this device's chain to member devices that lack it, first.
    @discardableResult
    public func send(_ content: Content, toGroup group: GroupID) async throws(ClientError) -> SendReport {
        var record = try await requireGroup(group)
        guard record.state.state.members.contains(address.user) else {
            throw ClientError(.notAllowed, "\(address.user) is no longer a member of group \(group)")
        }
        let members = record.state.state.members
        let cipher = GroupCipher(store: store, localAddress: address.protocolAddress, entropy: entropy)
        let id = MessageID.random(using: entropy)
        let padded = try ClientError.wrap {
            try Content(type: content.type, senderTimestamp: content.senderTimestamp, groupID: group, body: content.body,
                        profileKey: content.profileKey ?? policy.profileKey)
        }.padded
        record = try await rotateIfNeeded(record, members: members)
        var message: SenderKeyMessage?
        var reached: [DeviceAddress] = [], retries = 0
        for user in members {
            for attempt in 0..<policy.maximumAttempts {
                let devices = try await trustedRecord(user).list.devices.filter { $0.address != address }
                if devices.isEmpty { break }
                let distributionID = record.distributionID!
                if !devices.allSatisfy({ record.distributedTo.contains($0.address) }) {
                    // Every member device gets our chain before the first message it must read.
                    record = try await handOver(distributionID, of: record, to: user)
                    message = nil
                }
                if message == nil {
                    message = try await ClientError.wrapAsync { try await cipher.encrypt(padded, groupID: distributionID) }
                }
                var messages: [OutgoingMessage] = []
                for device in devices {
                    messages.append(OutgoingMessage(envelope: try await envelope(.senderKey, message!.serialized, for: device, id: id, groupID: distributionID),
                                                    registrationID: device.registrationID))
                }
                do {
                    try await directory.submit(messages, to: user)
                    reached += devices.map(\.address)
                    break
                } catch {
                    guard error.code == .mismatchedDevices || error.code == .staleDevices, attempt + 1 < policy.maximumAttempts else {
                        throw ClientError(.directoryFailure, "group message to \(user): \(error.code): \(error.reason)", underlying: error)
                    }
                    retries += 1
                    _ = try await refreshDeviceList(for: user)
                    // A device that had our chain left: a new chain for this and every later message.
                    let rotated = try await rotateIfNeeded(record, members: members)
                    if rotated.distributionID != record.distributionID { message = nil }
                    record = rotated
                }
            }
        }
        return SendReport(messageID: id, devices: reached, retries: retries)
    }

    /// A new chain (new distribution id, handed to nobody yet) when this device has none for the group
    /// or a device that had it is no longer a member device; else `record` unchanged.
    func rotateIfNeeded(_ record: GroupRecord, members: [UserAddress]) async throws(ClientError) -> GroupRecord {
        var current = Set<DeviceAddress>()
        for user in members { current.formUnion(try await trustedRecord(user).list.addresses) }
        guard record.distributionID == nil || !Set(record.distributedTo).isSubset(of: current) else { return record }
        let rotated = GroupRecord(state: record.state, distributionID: entropy.bytes(16), distributedTo: [])
        try await storeGroup(rotated)
        let cipher = GroupCipher(store: store, localAddress: address.protocolAddress, entropy: entropy)
        _ = try await ClientError.wrapAsync { try await cipher.distributionMessage(for: rotated.distributionID!, layout: .distributionUUID) }
        return rotated
    }

    /// Sends an attachment pointer to the group (one Sender Key ciphertext for every device).
    @discardableResult
    public func send(_ pointer: AttachmentPointer, toGroup group: GroupID) async throws(ClientError) -> SendReport {
        try await send(try ClientError.wrap { try Content.attachment(pointer, at: now()) }, toGroup: group)
    }

    /// Sends a text message to the group.
    @discardableResult
    public func send(text: String, toGroup group: GroupID) async throws(ClientError) -> SendReport {
        try await send(try ClientError.wrap { try Content.text(text, at: now()) }, toGroup: group)
    }

    // MARK: Internals

    /// Signs `state` as this device, stores it, and sends it pairwise to its members (and to `notifying`).
    func adopt(_ state: GroupState, notifying others: [UserAddress]) async throws(ClientError) {
        let (pair, _) = try await localKeys()
        let previous = try await ClientError.wrapAsync { try await store.transaction(.device) { t in try t.group(for: state.groupID) } }
        if let previous, !previous.state.state.admins.contains(address.user) {
            throw ClientError(.notAllowed, "only an admin changes group \(state.groupID)")
        }
        let signed = SignedGroupState(signing: state, as: address, identity: pair, using: entropy)
        let removed = Set(previous?.state.state.members ?? []).subtracting(state.members)
        let record = removed.isEmpty
            ? GroupRecord(state: signed, distributionID: previous?.distributionID, distributedTo: previous?.distributedTo ?? [])
            : GroupRecord(state: signed)
        try await storeGroup(record)
        let content = try ClientError.wrap {
            try Content(type: .groupUpdate, senderTimestamp: now(), groupID: state.groupID, body: signed.serialized)
        }
        let id = MessageID.random(using: entropy)
        for user in Set(state.members + others) where user != address.user {
            _ = try await fanOut(content, to: user, id: id)
        }
        _ = try await fanOut(content, to: address.user, id: id)
        pendingEvents.append(.groupChanged(state.groupID))
    }

    /// Sends this device's current chain for `distributionID` to every device of `user`, pairwise, with
    /// the group's signed state.
    func handOver(_ distributionID: [UInt8], of record: GroupRecord, to user: UserAddress) async throws(ClientError) -> GroupRecord {
        let cipher = GroupCipher(store: store, localAddress: address.protocolAddress, entropy: entropy)
        let distribution = try await ClientError.wrapAsync { try await cipher.distributionMessage(for: distributionID, layout: .distributionUUID) }
        let content = try ClientError.wrap {
            // The group's signed state rides along, so a device linked after it last changed learns it.
            try Content(type: .senderKeyDistribution, senderTimestamp: now(), groupID: record.state.state.groupID,
                        senderKeyDistribution: distribution, body: record.state.serialized)
        }
        let (devices, _) = try await fanOut(content, to: user, id: MessageID.random(using: entropy))
        let updated = GroupRecord(state: record.state, distributionID: distributionID, distributedTo: record.distributedTo + devices)
        try await storeGroup(updated)
        return updated
    }

    func requireGroup(_ id: GroupID) async throws(ClientError) -> GroupRecord {
        guard let record = try await ClientError.wrapAsync({ try await store.transaction(.device) { t in try t.group(for: id) } }) else {
            throw ClientError(.unknownGroup, "this device is not in group \(id)")
        }
        return record
    }

    func storeGroup(_ record: GroupRecord) async throws(ClientError) {
        try await ClientError.wrapAsync { try await store.transaction(.device) { t in try t.storeGroup(record, for: record.state.state.groupID) } }
    }
}

/// Applying a received group state inside the receiving transaction.
enum GroupUpdates {
    /// Verifies the signed state in `content` against its signer's listed identity and the accepted
    /// state, then stores it; a state that removes a member drops this device's chain (a new one
    /// before the next send).
    static func apply<Transaction: StoreTransaction>(_ content: Content, from sender: DeviceAddress, local: DeviceAddress,
                                                     in transaction: inout Transaction) throws {
        let signed = try ClientError.wrap { try SignedGroupState(serialized: content.body) }
        guard content.groupID == signed.state.groupID else {
            throw ClientError(.groupStateRefused, "a group state for another group than the content names")
        }
        guard let signerList = try transaction.deviceList(for: signed.signer.user) else {
            // Not an error yet: the client fetches the signer's list and receives again (nothing was kept).
            throw MissingDeviceList(user: signed.signer.user)
        }
        guard let signer = signerList.knows(signed.signer.device) else {
            throw ClientError(.groupStateRefused, "the signer \(signed.signer) is not on its verified list",
                              underlying: GroupStateError(.unknownSigner, "\(signed.signer)"))
        }
        let previous = try transaction.group(for: signed.state.groupID)
        // An older state than the accepted one (a sender key from a member who has not caught up, a
        // late update) changes nothing; any other refusal refuses the message.
        if let previous, signed.state.groupID == previous.state.state.groupID, signed.state.version < previous.state.state.version { return }
        let changed = try ClientError.wrap { try signed.verify(signerIdentity: signer.identityKey, replacing: previous?.state.state) }
        guard changed else { return }
        let removed = Set(previous?.state.state.members ?? []).subtracting(signed.state.members)
        let record = removed.isEmpty
            ? GroupRecord(state: signed, distributionID: previous?.distributionID, distributedTo: previous?.distributedTo ?? [])
            : GroupRecord(state: signed)
        try transaction.storeGroup(record, for: signed.state.groupID)
    }
}

/// A receive needs a device list this device has not fetched (a group state's signer): the receive is
/// rolled back, the list fetched, and the envelope received again.
struct MissingDeviceList: Error {
    let user: UserAddress

    /// The missing list named anywhere in `error`'s chain of underlying errors.
    static func find(in error: any Error) -> UserAddress? {
        var current: (any Error)? = error
        while let error = current {
            if let missing = error as? MissingDeviceList { return missing.user }
            current = (error as? any CrosswireError)?.underlying
        }
        return nil
    }
}
