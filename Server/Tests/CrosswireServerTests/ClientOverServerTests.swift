import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import CrosswireDirectoryClient
import CrosswireServerAPI
@testable import CrosswireServerCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Crosswire's own client API over the real server (in-process): three apps, several devices, linking
/// through link codes, groups, removal, sealed sends with access keys.
@Suite("Cross-app clients over the server")
struct ClientOverServerTests {
    typealias Client = CrossAppClient<InMemorySignalProtocolStore, HTTPDeviceDirectory>

    final class World: @unchecked Sendable {
        let test: any TestClientProtocol
        var clients: [DeviceAddress: Client] = [:]
        var directories: [DeviceAddress: HTTPDeviceDirectory] = [:]
        var inbox: [DeviceAddress: [ReceivedMessage]] = [:]
        var seed: UInt64 = 500
        var profileKeys: [UserAddress: [UInt8]] = [:]

        init(test: any TestClientProtocol) { self.test = test }

        func directory(for user: UserAddress, credential: DeviceCredential?) -> HTTPDeviceDirectory {
            let profile = profileKeys[user] ?? SeededEntropy(seed: UInt64(abs(user.description.hashValue % 1000))).bytes(32)
            profileKeys[user] = profile
            return HTTPDeviceDirectory(serverURL: URL(string: "http://localhost")!, transport: RouterTransport(client: test), credential: credential,
                                       accessKey: HTTPDeviceDirectory.accessKey(profileKey: profile))
        }

        func store() -> (InMemorySignalProtocolStore, SeededEntropy) {
            seed += 1
            let entropy = SeededEntropy(seed: seed)
            return (InMemorySignalProtocolStore(identity: .generate(using: entropy), registrationID: .generate(using: entropy)), entropy)
        }

        func register(_ text: String) async throws -> Client {
            let user = try UserAddress(parsing: text)
            let directory = directory(for: user, credential: nil)
            let (store, entropy) = store()
            let root = try await directory.trustRoot()
            let client = try await Client.registerPrimary(user, store: store, directory: directory, policy: SesamePolicy(trustRoot: root), entropy: entropy)
            clients[client.address] = client
            directories[client.address] = directory
            return client
        }

        /// The link as two apps do it through the server: the new device posts a request and shows the
        /// code, the primary approves it, the new device countersigns, the primary publishes the list.
        func link(to primary: Client) async throws -> Client {
            let user = primary.address.user
            let directory = directory(for: user, credential: nil)
            let (store, entropy) = store()
            let code = try await directory.requestLink(try await Client.linkRequest(for: user, store: store))
            let primaryDirectory = directories[primary.address]!
            let approval = try await primary.approve(try await primaryDirectory.linkRequest(code: code))
            try await primaryDirectory.approve(code: code, approval)
            let collected = try #require(try await directory.collectApproval(code: code))
            // The credential is handed out once, and until the list names the device it reads no queue.
            await #expect(throws: DirectoryError.self) { _ = try await directory.collectApproval(code: code) }
            await #expect(throws: DirectoryError.self) { _ = try await directory.pending(for: collected.identity.address) }
            let root = try await directory.trustRoot()
            let (companion, attestation) = try await Client.link(collected, store: store, directory: directory, policy: SesamePolicy(trustRoot: root), entropy: entropy)
            try await directory.attest(code: code, attestation)
            let countersigned = try #require(try await primaryDirectory.collectAttestation(code: code))
            try await primary.completeLink(countersigned)
            try await companion.publishKeys()
            clients[companion.address] = companion
            directories[companion.address] = directory
            return companion
        }

        func deliverAll() async throws {
            var progress = true
            while progress {
                progress = false
                for (address, client) in clients.sorted(by: { $0.key < $1.key }) {
                    let directory = directories[address]!
                    for envelope in try await directory.pending(for: address) {
                        inbox[address, default: []].append(try await client.receive(envelope))
                        try await directory.acknowledge([envelope.messageID], for: address)
                        progress = true
                    }
                }
            }
        }

        func texts(_ text: String) throws -> [String] {
            (inbox[try DeviceAddress(parsing: text)] ?? []).filter { $0.content.type == .text }.map { String(decoding: $0.content.body, as: UTF8.self) }
        }
    }

    @Test("three apps over the server: fan-out to every device, a group, a device linked and one removed")
    func threeApps() async throws {
        try await withServer { _, test, storage in
            let world = World(test: test)
            let alice = try await world.register("whatsapp:alice")
            let laptop = try await world.link(to: alice)
            let bob = try await world.register("messenger:bob")
            let carol = try await world.register("instagram:carol")
            // Alice knows Bob's access key (as she would from his profile): her sends to him go sealed and anonymous.
            try await world.directories[alice.address]!.setAccessKey(HTTPDeviceDirectory.accessKey(profileKey: world.profileKeys[bob.address.user]!), for: bob.address.user)

            let report = try await alice.send(text: "Hi Bob, from WhatsApp", to: bob.address.user)
            #expect(Set(report.devices.map(\.description)) == ["messenger:bob/1", "whatsapp:alice/2"])
            try await world.deliverAll()
            #expect(try world.texts("messenger:bob/1") == ["Hi Bob, from WhatsApp"])
            #expect(try world.texts("whatsapp:alice/2") == ["Hi Bob, from WhatsApp"])
            try await bob.send(text: "Hello from Messenger", to: alice.address.user)
            try await world.deliverAll()
            #expect(try world.texts("whatsapp:alice/1") == ["Hello from Messenger"] && world.texts("whatsapp:alice/2").count == 2)

            let group = try await carol.createGroup(named: "three apps", members: [alice.address.user, bob.address.user])
            try await world.deliverAll()
            try await carol.send(text: "Welcome", toGroup: group)
            try await world.deliverAll()
            for device in ["whatsapp:alice/1", "whatsapp:alice/2", "messenger:bob/1"] { #expect(try world.texts(device).last == "Welcome", "\(device)") }

            try await alice.removeDevice(laptop.address.device)
            world.clients[laptop.address] = nil
            try await bob.send(text: "After the laptop left", to: alice.address.user)
            try await world.deliverAll()
            #expect(try world.texts("whatsapp:alice/1").last == "After the laptop left")
            // The removed laptop's credential no longer works.
            let (status, _) = try await CrosswireServerTests.status(test, "/v1/messages", .get,
                                                                    headers: [.authorization: "Bearer \((await world.directories[laptop.address]!.credential)!.token)"])
            #expect(status == 401)
            // What the server holds is ciphertext: no plaintext in any queued row.
            let (pending, _) = try await storage.pending(user: "whatsapp:alice", device: 1, limit: 100)
            #expect(pending.isEmpty)
        }
    }
}
