@_spi(Hazmat) import CrosswireCrypto
import CrosswireInterop
import Foundation
import Testing
import _CrosswireTestSupport

/// The interop server's own limits (SPEC.md §7).
@Suite("Interop server limits")
struct InteropServerTests {
    @Test("a line over the limit gets an error answer without being parsed, and the server keeps serving")
    func oversizedLine() async throws {
        let server = InteropServer(entropy: SeededEntropy(seed: 370))
        let long = "{\"id\":1,\"op\":\"info\",\"pad\":\"" + String(repeating: "a", count: InteropServer.maxLineBytes) + "\"}"
        let (answer, stop) = await server.handle(line: long)
        #expect(!stop)
        #expect(answer.contains("\"ok\":false"))
        #expect(answer.contains("longer than \(InteropServer.maxLineBytes) bytes"), "got \(answer.prefix(200))")

        // Over a stream: the oversized line is skipped up to its newline, the next request is answered.
        let input = Pipe(), output = Pipe()
        // A thread of its own: a write that blocks on a full pipe must not hold a cooperative-pool thread.
        let written = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            // write(2) retried on EINTR: a SIGCHLD from another test's child must not trap FileHandle.write.
            var bytes = Array((long + "\n" + #"{"id":2,"op":"info"}"# + "\n").utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { write(input.fileHandleForWriting.fileDescriptor, $0.baseAddress, $0.count) }
                if written > 0 { bytes = bytes.dropFirst(written) } else if errno != EINTR { break }
            }
            try? input.fileHandleForWriting.close()
            written.signal()
        }
        await server.run(input: input.fileHandleForReading, output: output.fileHandleForWriting)
        written.wait()
        try output.fileHandleForWriting.close()
        let lines = String(decoding: PeerEnvironment.readToEnd(output.fileHandleForReading), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains("longer than") == true)
        #expect(lines.last?.contains("\"ok\":true") == true)
        #expect(lines.last?.contains("\"id\":2") == true)
    }
}

/// `crosswire interop --database`: parties survive a restart of the server.
@Suite("Interop server on a database")
struct InteropDatabaseTests {
    private func call(_ server: InteropServer, _ request: [String: Any]) async throws -> [String: Any] {
        let line = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        let (answer, _) = await server.handle(line: line)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
        try #require(object["ok"] as? Bool == true, "\(request["op"] ?? "?") failed: \(answer)")
        return object
    }

    @Test("create_party reopens a party the database holds; a conversation carries on across a restart")
    func partiesSurviveRestart() async throws {
        let directory = NSTemporaryDirectory() + "crosswire-interop-db-" + UUID().uuidString
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: directory + ".key")
        }
        var server = InteropServer(database: try PartyDatabase(directory: directory))
        let alice = try await call(server, ["op": "create_party", "party": "alice", "device_id": 1, "registration_id": 11])
        #expect(alice["existing"] as? Bool == false)
        _ = try await call(server, ["op": "create_party", "party": "bob", "device_id": 2, "registration_id": 22])
        let bundle = try await call(server, ["op": "prekey_bundle", "party": "bob", "with_one_time": true, "with_kem": true])
        _ = try await call(server, ["op": "process_bundle", "party": "alice", "peer": "bob", "peer_device": 2, "bundle": bundle["bundle"]!])
        let first = try await call(server, ["op": "encrypt", "party": "alice", "peer": "bob", "peer_device": 2, "plaintext": "01"])
        let second = try await call(server, ["op": "encrypt", "party": "alice", "peer": "bob", "peer_device": 2, "plaintext": "02"])
        _ = try await call(server, ["op": "decrypt", "party": "bob", "peer": "alice", "peer_device": 1,
                                    "message_type": first["message_type"]!, "ciphertext": first["ciphertext"]!])

        let attributes = try FileManager.default.attributesOfItem(atPath: directory + ".key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        server = InteropServer(database: try PartyDatabase(directory: directory))
        let reopened = try await call(server, ["op": "create_party", "party": "alice", "device_id": 1, "registration_id": 11])
        #expect(reopened["existing"] as? Bool == true)
        #expect(reopened["identity_key"] as? String == alice["identity_key"] as? String)
        _ = try await call(server, ["op": "create_party", "party": "bob", "device_id": 2, "registration_id": 22])
        let late = try await call(server, ["op": "decrypt", "party": "bob", "peer": "alice", "peer_device": 1,
                                           "message_type": second["message_type"]!, "ciphertext": second["ciphertext"]!])
        #expect(late["plaintext"] as? String == "02")
        let reply = try await call(server, ["op": "encrypt", "party": "bob", "peer": "alice", "peer_device": 1, "plaintext": "03"])
        let read = try await call(server, ["op": "decrypt", "party": "alice", "peer": "bob", "peer_device": 2,
                                           "message_type": reply["message_type"]!, "ciphertext": reply["ciphertext"]!])
        #expect(read["plaintext"] as? String == "03")
        // The replayed first message is refused by the durable state, not accepted a second time.
        let (answer, _) = await server.handle(line: String(decoding: try JSONSerialization.data(withJSONObject: [
            "op": "decrypt", "party": "bob", "peer": "alice", "peer_device": 1, "message_type": first["message_type"]!, "ciphertext": first["ciphertext"]!,
        ]), as: UTF8.self))
        #expect(answer.contains("\"ok\":false"))
    }
}
