import CrosswireWire

/// A cross-app group's membership as its admins state it (SPEC §12.7): the 32-byte random id, a version
/// that only goes up, a name that is only a label, the admins and the members (admins included), by
/// user — every device of a member user is in the group. Sent pairwise as `Content` of type
/// `groupUpdate`, signed by an admin's device (`SignedGroupState`).
public struct GroupState: Sendable, Hashable {
    /// At most 1000 members.
    public static let maximumMemberCount = 1000
    /// At most 128 bytes of UTF-8.
    public static let maximumNameCount = 128

    /// The group.
    public let groupID: GroupID
    /// Goes up with every change.
    public let version: UInt64
    /// A label for people; not an identifier.
    public let name: String
    /// Who may change the state, ascending.
    public let admins: [UserAddress]
    /// Who is in the group, ascending; the admins are among them.
    public let members: [UserAddress]

    /// A state; breaking a rule is `invalidState`.
    public init(groupID: GroupID, version: UInt64, name: String, admins: [UserAddress], members: [UserAddress]) throws(GroupStateError) {
        let admins = admins.sorted(), members = members.sorted()
        guard !members.isEmpty, members.count <= Self.maximumMemberCount else {
            throw GroupStateError(.invalidState, "a group has 1…\(Self.maximumMemberCount) members, got \(members.count)")
        }
        guard Set(members).count == members.count, Set(admins).count == admins.count else {
            throw GroupStateError(.invalidState, "a member or admin is listed twice")
        }
        guard !admins.isEmpty, admins.allSatisfy(Set(members).contains) else {
            throw GroupStateError(.invalidState, "a group has at least one admin, and every admin is a member")
        }
        guard name.utf8.count <= Self.maximumNameCount else {
            throw GroupStateError(.invalidState, "a group name has at most \(Self.maximumNameCount) bytes, got \(name.utf8.count)")
        }
        self.groupID = groupID
        self.version = version
        self.name = name
        self.admins = admins
        self.members = members
    }

    /// The next version with other members (and optionally admins or name).
    public func next(members: [UserAddress], admins: [UserAddress]? = nil, name: String? = nil) throws(GroupStateError) -> GroupState {
        try GroupState(groupID: groupID, version: version + 1, name: name ?? self.name, admins: admins ?? self.admins.filter(members.contains),
                       members: members)
    }

    /// `{1 group_id, 2 version, 3 name, 4 admins…, 5 members…}`, addresses in binary form, ascending.
    public var serialized: [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: 64 + name.utf8.count + (admins.count + members.count) * 24)
        writer.appendBytes(field: 1, groupID.rawRepresentation)
        writer.appendUInt(field: 2, version)
        if !name.isEmpty { writer.appendBytes(field: 3, Array(name.utf8)) }
        for admin in admins { writer.appendBytes(field: 4, admin.serialized) }
        for member in members { writer.appendBytes(field: 5, member.serialized) }
        return writer.bytes
    }

    /// Decodes strictly; a malformed field is `invalidMessage`, a broken rule `invalidState`.
    public init(serialized bytes: ArraySlice<UInt8>) throws(GroupStateError) {
        let fields = try GroupStateError.decode("GroupState") { try ProtobufFields(bytes, fields: 5, repeated: [4, 5]) }
        guard let id = try GroupStateError.decode("GroupState group_id", { try fields.bytes(1) }),
              let version = try GroupStateError.decode("GroupState version", { try fields.uint64(2) })
        else { throw GroupStateError(.invalidMessage, "a group state has a group id and a version") }
        let groupID: GroupID
        do { groupID = try GroupID(rawRepresentation: id) } catch { throw GroupStateError(.invalidMessage, error.reason, underlying: error) }
        let nameBytes = try GroupStateError.decode("GroupState name") { try fields.bytes(3) } ?? []
        guard let name = String(validating: nameBytes, as: UTF8.self) else { throw GroupStateError(.invalidMessage, "the group name is not UTF-8") }
        func users(_ number: Int) throws(GroupStateError) -> [UserAddress] {
            var users: [UserAddress] = []
            for bytes in try GroupStateError.decode("GroupState users", { try fields.repeatedBytes(number) }) {
                do { users.append(try UserAddress(serialized: bytes)) } catch {
                    throw GroupStateError(.invalidMessage, "a member address: \(error.reason)", underlying: error)
                }
            }
            return users
        }
        let admins = try users(4), members = try users(5)
        guard admins == admins.sorted(), members == members.sorted() else {
            throw GroupStateError(.invalidMessage, "admins and members are listed in ascending order")
        }
        try self.init(groupID: groupID, version: version, name: name, admins: admins, members: members)
    }
}
