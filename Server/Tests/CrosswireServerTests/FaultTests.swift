import Foundation
import Testing

/// The real binaries under real faults: the server killed with SIGKILL and restarted on its database
/// loses no envelope it acknowledged; a client killed inside the receive transaction, after storing,
/// or after acknowledging loses nothing and shows nothing twice.
@Suite("Faults: kill -9 of the server and of a client", .serialized)
struct FaultTests {
    static let bin = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug")

    /// Runs a binary to completion; standard output is read with read(2), retried on EINTR.
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, signal: Bool, output: String) {
        let process = Process()
        process.executableURL = bin.appendingPathComponent(name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let fd = pipe.fileHandleForReading.fileDescriptor
        var data = [UInt8](), buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal, String(decoding: data, as: UTF8.self))
    }

    /// A crosswire-server on a free port over `database`, killed with SIGKILL by `kill()`.
    final class Server: @unchecked Sendable {
        let process = Process()
        let port: Int

        init(database: String, port: Int) throws {
            self.port = port
            process.executableURL = FaultTests.bin.appendingPathComponent("crosswire-server")
            process.arguments = ["--database", "sqlite:\(database)", "--port", String(port)]
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            for _ in 0..<400 {
                if FaultTests.accepts(port) { return }
                usleep(25_000)
            }
            throw CocoaError(.fileReadUnknown)
        }

        func kill() {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        var url: String { "http://127.0.0.1:\(port)" }
    }

    /// Whether something accepts TCP connections on the loopback port.
    static func accepts(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    static func freePort() -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crosswire-faults-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func client(_ server: String, _ state: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, signal: Bool, output: String) {
        try run("crosswire-client", ["--server", server, "--state", state.path] + arguments, environment: environment)
    }

    static func texts(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["text"] as? String
        }
    }

    @Test("the server killed with SIGKILL mid-traffic and restarted loses no acknowledged envelope")
    func serverKill() async throws {
        let work = try Self.folder()
        defer { try? FileManager.default.removeItem(at: work) }
        let database = work.appendingPathComponent("server.sqlite").path
        let port = Self.freePort()
        var server = try Server(database: database, port: port)
        let alice = work.appendingPathComponent("alice"), bob = work.appendingPathComponent("bob")
        #expect(try Self.client(server.url, alice, ["register", "--app", "whatsapp", "--user", "alice"]).status == 0)
        #expect(try Self.client(server.url, bob, ["register", "--app", "messenger", "--user", "bob"]).status == 0)
        var acknowledged: [String] = []
        for i in 1...6 {
            if try Self.client(server.url, alice, ["send", "--to", "messenger:bob", "before \(i)"]).status == 0 { acknowledged.append("before \(i)") }
        }
        #expect(acknowledged.count == 6)
        // One more send races the kill: it is acknowledged or it is not; either way nothing acknowledged is lost.
        let url = server.url
        let racing = Task.detached { try Self.client(url, alice, ["send", "--to", "messenger:bob", "racing"]).status }
        usleep(UInt32.random(in: 0...150_000))
        server.kill()
        let racedStatus = try await racing.value
        if racedStatus == 0 { acknowledged.append("racing") }
        server = try Server(database: database, port: port)
        defer { server.kill() }
        for i in 1...3 {
            if try Self.client(server.url, alice, ["send", "--to", "messenger:bob", "after \(i)"]).status == 0 { acknowledged.append("after \(i)") }
        }
        let received = Self.texts(try Self.client(server.url, bob, ["receive"]).output)
        #expect(Set(acknowledged).isSubset(of: Set(received)), "lost: \(Set(acknowledged).subtracting(received))")
        #expect(received.count == Set(received).count, "duplicated: \(received)")
        #expect(received.count <= acknowledged.count + 1)
    }

    @Test("a client killed in the receive transaction, after storing, or after acknowledging loses and duplicates nothing")
    func clientKill() async throws {
        let work = try Self.folder()
        defer { try? FileManager.default.removeItem(at: work) }
        let server = try Server(database: work.appendingPathComponent("server.sqlite").path, port: Self.freePort())
        defer { server.kill() }
        let alice = work.appendingPathComponent("alice"), bob = work.appendingPathComponent("bob")
        #expect(try Self.client(server.url, alice, ["register", "--app", "whatsapp", "--user", "alice"]).status == 0)
        #expect(try Self.client(server.url, bob, ["register", "--app", "messenger", "--user", "bob"]).status == 0)
        var sent: [String] = [], shown: [String] = []
        for point in ["in-transaction", "stored", "acknowledged"] {
            for i in 1...2 {
                let text = "\(point) \(i)"
                #expect(try Self.client(server.url, alice, ["send", "--to", "messenger:bob", text]).status == 0)
                sent.append(text)
            }
            let killed = try Self.client(server.url, bob, ["receive"], environment: ["CROSSWIRE_CLIENT_KILL_AT": point])
            #expect(killed.signal && killed.status == SIGKILL, "\(point): the client was not killed (\(killed.status))")
            shown += Self.texts(killed.output)
            let again = try Self.client(server.url, bob, ["receive"])
            #expect(again.status == 0)
            shown += Self.texts(again.output)
        }
        #expect(shown.sorted() == sent.sorted(), "shown \(shown), sent \(sent)")
        // Nothing is left to receive.
        #expect(Self.texts(try Self.client(server.url, bob, ["receive"]).output).isEmpty)
    }
}
