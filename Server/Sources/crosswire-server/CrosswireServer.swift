import ArgumentParser
import CrosswireServerCore
import Foundation
import Hummingbird

/// `crosswire-server --database sqlite:PATH --port N`: the key directory and relay on loopback.
@main
struct CrosswireServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosswire-server",
        abstract: "The Crosswire key directory and relay (SPEC §15): accounts, device lists, prekeys, sender certificates, envelope queues."
    )

    @Option(name: .long, help: "sqlite:PATH (the keys are kept in PATH.keys).")
    var database: String

    @Option(name: .long, help: "The TCP port.")
    var port: Int = 8080

    @Option(name: .long, help: "The address to listen on.")
    var host: String = "127.0.0.1"

    func run() async throws {
        guard database.hasPrefix("sqlite:") else { throw ValidationError("--database is sqlite:PATH") }
        let path = String(database.dropFirst("sqlite:".count))
        let storage = try SQLiteDirectoryStorage(path: path)
        let keys = try ServerKeys.load(from: path + ".keys")
        let service = DirectoryService(storage: storage, keys: keys)
        let app = try ServerApplication.application(service, storage: storage, host: host, port: port)
        try await app.runService()
    }
}
