import ArgumentParser
import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireDirectoryClient
import CrosswireSQLite
import Foundation
import GRDB
import OpenAPIURLSession
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `crosswire-client --server URL --state DIR COMMAND`: one device of one account, over the server's
/// HTTP API and Crosswire's `CrossAppClient`, its state in DIR (an encrypted `SQLiteStore` and
/// `state.json`). Every command prints JSON lines on standard output.
@main
struct CrosswireClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosswire-client",
        abstract: "A Crosswire device over the directory server: register, link, send, receive, groups.",
        subcommands: [Register.self, Link.self, Approve.self, Devices.self, Send.self, Group.self, Receive.self]
    )

    /// `--server` and `--state` come before the command (`crosswire-client --server URL --state DIR send …`);
    /// they are moved after it, where the command's options are parsed.
    static func main() async {
        var global: [String] = [], rest = Array(CommandLine.arguments.dropFirst())
        while rest.count >= 2, ["--server", "--state"].contains(rest[0]) {
            global += rest[0...1]
            rest.removeFirst(2)
        }
        await main(rest + global)
    }
}

struct Common: ParsableArguments {
    @Option(name: .long, help: "The server, e.g. http://127.0.0.1:8080.")
    var server: String

    @Option(name: .long, help: "This device's state folder.")
    var state: String
}

typealias Device = CrossAppClient<SQLiteStore, HTTPDeviceDirectory>

/// Everything a command needs: the state, the store, the directory and the client.
struct Session {
    let folder: URL
    var state: ClientState
    let store: SQLiteStore
    let directory: HTTPDeviceDirectory
    let client: Device?

    static func open(_ common: Common, requireDevice: Bool = true) async throws -> Session {
        let folder = URL(fileURLWithPath: common.state)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let state = ClientState.load(folder) ?? ClientState(server: common.server, profileKey: Hex.encode(SystemEntropy().bytes(32)))
        let store = try await DeviceStore.open(folder)
        guard let url = URL(string: common.server) else { throw ValidationError("--server is a URL") }
        let credential = state.device.flatMap { device in state.token.map { DeviceCredential(device: device, token: $0) } }
        let directory = HTTPDeviceDirectory(serverURL: url, transport: URLSessionTransport(), credential: credential,
                                            accessKey: HTTPDeviceDirectory.accessKey(profileKey: try Hex.decode(state.profileKey)))
        for (user, key) in state.contacts ?? [:] {
            if let address = try? UserAddress(parsing: user), let bytes = try? Hex.decode(key) {
                await directory.setAccessKey(HTTPDeviceDirectory.accessKey(profileKey: bytes), for: address)
            }
        }
        var client: Device?
        if let device = state.device {
            client = Device(address: try DeviceAddress(parsing: device), store: store, directory: directory, policy: try await Session.policy(directory, state))
        } else if requireDevice {
            throw ValidationError("this state folder has no device yet: run register or link first")
        }
        return Session(folder: folder, state: state, store: store, directory: directory, client: client)
    }

    /// Sealed sender pinned to the server's trust root; this account's profile key in every message.
    static func policy(_ directory: HTTPDeviceDirectory, _ state: ClientState) async throws -> SesamePolicy {
        SesamePolicy(trustRoot: try await directory.trustRoot(), profileKey: try SymmetricKey256(rawRepresentation: try Hex.decode(state.profileKey)))
    }

    mutating func adoptCredential() async throws {
        guard let credential = await directory.credential else { return }
        state.device = credential.device
        state.token = credential.token
        try state.save(folder)
    }

    func save() throws { try state.save(folder) }

    func groupID(_ name: String) throws -> GroupID {
        guard let hex = state.groups[name], let id = try? GroupID(rawRepresentation: Hex.decode(hex)) else {
            throw ValidationError("no group named '\(name)' on this device")
        }
        return id
    }
}

func printJSON(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    fflush(nil)
}

func user(_ app: String, _ name: String) throws -> UserAddress { try UserAddress(parsing: "\(app):\(name)") }

struct Register: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Register an account on APP with this device as its primary.")
    @OptionGroup var common: Common
    @Option(name: .long) var app: String
    @Option(name: .long) var user: String

    func run() async throws {
        var session = try await Session.open(common, requireDevice: false)
        guard session.state.device == nil else { throw ValidationError("this state folder is already \(session.state.device!)") }
        let client = try await Device.registerPrimary(try CrosswireClient_user(app, user), store: session.store, directory: session.directory,
                                                      policy: try await Session.policy(session.directory, session.state))
        try await session.adoptCredential()
        printJSON(["device": client.address.description])
    }
}

/// Avoids the name clash with the `user` option.
func CrosswireClient_user(_ app: String, _ name: String) throws -> UserAddress { try user(app, name) }

struct Link: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Link this device to APP:USER: prints {\"code\"} and waits up to 2 minutes for the primary to approve it.")
    @OptionGroup var common: Common
    @Option(name: .long) var app: String
    @Option(name: .long) var user: String
    @Option(name: .long, help: "Seconds to wait for the approval.") var wait: Int = 120

    func run() async throws {
        var session = try await Session.open(common, requireDevice: false)
        let account = try CrosswireClient_user(app, user)
        let code = try await session.directory.requestLink(try await Device.linkRequest(for: account, store: session.store))
        printJSON(["code": code])
        let deadline = Date().addingTimeInterval(TimeInterval(wait))
        var approval: LinkApproval?
        while approval == nil {
            approval = try await session.directory.collectApproval(code: code)
            if approval == nil {
                guard Date() < deadline else { throw ValidationError("not approved within \(wait) s") }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        try await session.adoptCredential()
        let (client, attestation) = try await Device.link(approval!, store: session.store, directory: session.directory,
                                                          policy: try await Session.policy(session.directory, session.state))
        try await session.directory.attest(code: code, attestation)
        // Keys can be uploaded once the primary has published the list that names this device.
        while (try? await session.directory.deviceList(for: account).verified(for: account).device(client.address.device)) == nil {
            guard Date() < deadline else { throw ValidationError("the primary did not publish the new list within \(wait) s") }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await client.publishKeys()
        printJSON(["device": client.address.description])
    }
}

struct Approve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "On the primary: approve the device showing CODE, wait for its countersignature, publish the new list.")
    @OptionGroup var common: Common
    @Argument var code: String
    @Option(name: .long) var wait: Int = 120

    func run() async throws {
        let session = try await Session.open(common)
        let client = session.client!
        let request = try await session.directory.linkRequest(code: code)
        let approval = try await client.approve(request)
        try await session.directory.approve(code: code, approval)
        let deadline = Date().addingTimeInterval(TimeInterval(wait))
        while true {
            if let attestation = try await session.directory.collectAttestation(code: code) {
                let change = try await client.completeLink(attestation)
                printJSON(["linked": approval.identity.address.description, "version": Int(change.current.version)])
                return
            }
            guard Date() < deadline else { throw ValidationError("the new device did not countersign within \(wait) s") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List or remove this account's devices.", subcommands: [List.self, Remove.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One JSON line per device of this account.")
        @OptionGroup var common: Common
        func run() async throws {
            let session = try await Session.open(common)
            let client = session.client!
            _ = try await client.refreshDeviceList(for: client.address.user)
            for device in try await client.deviceList(for: client.address.user).devices {
                printJSON(["device": device.address.description, "registration_id": Int(device.registrationID.rawValue),
                           "identity_key": Hex.encode(device.identityKey.serialized), "this": device.address == client.address])
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "On the primary: remove device ID from the account.")
        @OptionGroup var common: Common
        @Argument var id: UInt32
        func run() async throws {
            let session = try await Session.open(common)
            let change = try await session.client!.removeDevice(DeviceID(id))
            printJSON(["removed": change.removed.map(\.address.description), "version": Int(change.current.version)])
        }
    }
}

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send TEXT to every device of APP:USER (and copies to this account's other devices), or to a group.")
    @OptionGroup var common: Common
    @Option(name: .long, help: "APP:USER") var to: String?
    @Option(name: .long, help: "A group name on this device.") var group: String?
    @Argument var text: String

    func run() async throws {
        let session = try await Session.open(common)
        let client = session.client!
        let report: SendReport
        var anonymous = false
        switch (to, group) {
        case (let to?, nil):
            let recipient = try UserAddress(parsing: to)
            anonymous = await session.directory.knowsAccessKey(for: recipient)
            report = try await client.send(text: text, to: recipient)
        case (nil, let name?): report = try await client.send(text: text, toGroup: try session.groupID(name))
        default: throw ValidationError("give exactly one of --to and --group")
        }
        // `anonymous`: the envelopes to the recipient went with its access key, not this device's credential.
        printJSON(["message_id": report.messageID.description, "devices": report.devices.map(\.description), "retries": report.retries,
                   "anonymous": anonymous])
    }
}

struct Group: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a group or change its members.", subcommands: [Create.self, Add.self, Remove.self])

    struct Create: AsyncParsableCommand {
        @OptionGroup var common: Common
        @Argument var name: String
        @Argument(help: "APP:USER …") var members: [String]
        func run() async throws {
            var session = try await Session.open(common)
            let id = try await session.client!.createGroup(named: name, members: try members.map { try UserAddress(parsing: $0) })
            session.state.groups[name] = id.rawRepresentation.hexString
            try session.save()
            printJSON(["group": name, "id": id.rawRepresentation.hexString])
        }
    }

    struct Add: AsyncParsableCommand {
        @OptionGroup var common: Common
        @Argument var name: String
        @Argument var member: String
        func run() async throws {
            let session = try await Session.open(common)
            try await session.client!.addMember(try UserAddress(parsing: member), to: try session.groupID(name))
            printJSON(["group": name, "added": member])
        }
    }

    struct Remove: AsyncParsableCommand {
        @OptionGroup var common: Common
        @Argument var name: String
        @Argument var member: String
        func run() async throws {
            let session = try await Session.open(common)
            try await session.client!.removeMember(try UserAddress(parsing: member), from: try session.groupID(name))
            printJSON(["group": name, "removed": member])
        }
    }
}

/// Fetches, decrypts and stores every queued envelope, exactly once: the message is written to the
/// device store's `cli_inbox` in the same transaction as the ratchet step, acknowledged to the server
/// only after that commit, and printed from the inbox. A kill at any point loses nothing (unacknowledged
/// envelopes come again, and one already stored is only acknowledged) and stores nothing twice.
struct Receive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Receive every queued message: one JSON line each ({\"from\", \"text\"}), then exit.")
    @OptionGroup var common: Common

    /// Test hook: SIGKILL this process at a point of the receive path (`in-transaction`, `stored`, `acknowledged`).
    static let killAt = ProcessInfo.processInfo.environment["CROSSWIRE_CLIENT_KILL_AT"]

    func run() async throws {
        var session = try await Session.open(common)
        let client = session.client!
        let store = session.store
        while true {
            let envelopes = try await session.directory.pending(for: client.address)
            if envelopes.isEmpty { break }
            for envelope in envelopes {
                let id = Data(envelope.messageID.rawRepresentation)
                let known = try await store.transaction(.device) { t in
                    try Bool.fetchOne(t.database, sql: "SELECT 1 FROM cli_inbox WHERE message_id = ?", arguments: [id]) ?? false
                }
                if !known {
                    let names = Dictionary(session.state.groups.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
                    do {
                        let message = try await client.receive(envelope) { t, message in
                            try t.database.execute(sql: "INSERT INTO cli_inbox (message_id, sender, json, seq) VALUES (?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM cli_inbox))",
                                                   arguments: [id, message.sender.description, Receive.line(for: message, groupNames: names)])
                            if Receive.killAt == "in-transaction" { kill(getpid(), SIGKILL) }
                            return message
                        }
                        if message.content.type == .groupUpdate, let group = message.content.groupID, let state = try? await client.group(group) {
                            session.state.groups[state.name] = group.rawRepresentation.hexString
                            try session.save()
                        }
                        // A contact's profile key: sealed sends to it go without this device's credential from now on.
                        if let key = message.content.profileKey, message.sender.user != client.address.user {
                            let bytes = key.withUnsafeBytes { Array($0) }
                            if session.state.contacts?[message.sender.user.description] != Hex.encode(bytes) {
                                session.state.contacts = (session.state.contacts ?? [:]).merging([message.sender.user.description: Hex.encode(bytes)]) { $1 }
                                try session.save()
                                await session.directory.setAccessKey(HTTPDeviceDirectory.accessKey(profileKey: bytes), for: message.sender.user)
                            }
                        }
                    } catch {
                        // Transient (the server or the store failed): stop without acknowledging; the envelope comes again.
                        if let failure = error as? ClientError, failure.code == .directoryFailure || failure.code == .storeFailure { throw error }
                        // Refused for good (tampered, a replay, an unknown sender): recorded so a redelivery is only
                        // acknowledged, then acknowledged.
                        FileHandle.standardError.write(Data("crosswire-client: refused an envelope from the queue: \(error)\n".utf8))
                        try await store.transaction(.device) { t in
                            try t.database.execute(sql: "INSERT OR IGNORE INTO cli_inbox (message_id, sender, json, shown) VALUES (?, '', '', 1)", arguments: [id])
                        }
                    }
                }
                if Receive.killAt == "stored" { kill(getpid(), SIGKILL) }
                try await session.directory.acknowledge([envelope.messageID], for: client.address)
                if Receive.killAt == "acknowledged" { kill(getpid(), SIGKILL) }
            }
        }
        let unshown = try await store.transaction(.device) { t in
            try Row.fetchAll(t.database, sql: "SELECT message_id, json FROM cli_inbox WHERE shown = 0 AND json != '' ORDER BY seq").map { ($0["message_id"] as Data, $0["json"] as String) }
        }
        for (id, line) in unshown {
            print(line)
            fflush(nil)
            try await store.transaction(.device) { t in try t.database.execute(sql: "UPDATE cli_inbox SET shown = 1 WHERE message_id = ?", arguments: [id]) }
        }
    }

    /// The JSON line of a text message (copies of one's own sends included); other contents are kept as ''.
    static func line(for message: ReceivedMessage, groupNames: [String: String]) -> String {
        guard message.content.type == .text else { return "" }
        // With its message id: a line shown again after a kill between printing and marking it shown is recognizable.
        var object: [String: Any] = ["from": message.sender.description, "text": String(decoding: message.content.body, as: UTF8.self),
                                     "message_id": message.messageID.description]
        if let group = message.content.groupID { object["group"] = groupNames[group.rawRepresentation.hexString] ?? group.rawRepresentation.hexString }
        if let destination = message.content.syncDestination { object["to"] = destination.description }
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    var hexString: String { Hex.encode(self) }
}
