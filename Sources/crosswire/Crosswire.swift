import ArgumentParser
import Crosswire
import CrosswireInterop
import CrosswireVectors
import _CrosswireTestSupport
import Foundation

@main
struct CrosswireTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosswire",
        abstract: "Crosswire, the end-to-end encryption core: vectors, interop and demos.",
        subcommands: [Demo.self, AttachmentCommand.self, Vectors.self, Interop.self, FuzzSeeds.self, DurabilityWorkerCommand.self]
    )
}

struct Vectors: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the test vectors in Vectors/.",
        subcommands: [Verify.self, Generate.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Regenerate Crosswire's deterministic vector files (session-v3.json)."
        )

        @Option(name: .long, help: "The Vectors directory (default: found from the current directory upwards).")
        var directory: String?

        func run() async throws {
            guard let folder = directory.map({ URL(fileURLWithPath: $0) }) ?? VectorSuite.locateDirectory() else {
                throw ValidationError("no Vectors/ directory found; pass --directory")
            }
            for url in try await VectorSuite.generate(directory: folder) { print("wrote \(url.path)") }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every vector file (Crosswire's own and Wycheproof's) and print a line per file."
        )

        @Option(name: .long, help: "The Vectors directory (default: found from the current directory upwards).")
        var directory: String?

        func run() async throws {
            guard let folder = directory.map({ URL(fileURLWithPath: $0) }) ?? VectorSuite.locateDirectory() else {
                throw ValidationError("no Vectors/ directory found; pass --directory")
            }
            let reports = try await VectorSuite.verify(directory: folder)
            var total = 0, failed = 0
            for report in reports {
                print(report)
                total += report.total
                failed += report.failures.count
            }
            print("\(reports.count) files, \(total) cases, \(failed) failed")
            if failed > 0 || reports.contains(where: { !$0.isSuccess }) { throw ExitCode.failure }
        }
    }
}

struct Interop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the JSON-lines interop protocol on stdin/stdout (see SPEC.md §7)."
    )

    @Option(name: .long, help: "Keep every party durable in this directory (one SQLite file per party), created on first use.")
    var database: String?

    @Option(name: .long, help: "The storage key file (64 hex digits); by default DATABASE.key, created with mode 0600.")
    var storageKeyFile: String?

    func run() async throws {
        let parties = try database.map { try PartyDatabase(directory: $0, storageKeyFile: storageKeyFile) }
        await InteropServer(database: parties).run()
    }
}

struct FuzzSeeds: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz-seeds",
        abstract: "Write the seed corpus of every fuzz target (valid messages and records of the fuzz fixture)."
    )

    @Option(name: .long, help: "Corpus directory (one folder per target).")
    var directory: String = "Vectors/corpus"

    func run() async throws {
        for target in FuzzTarget.allCases {
            let folder = URL(fileURLWithPath: directory).appendingPathComponent(target.rawValue)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (index, seed) in try await target.seeds().enumerated() {
                try Data(seed).write(to: folder.appendingPathComponent("seed-\(index)"))
            }
            print("\(target.rawValue): \(try await target.seeds().count) seeds")
        }
    }
}

struct DurabilityWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "durability-worker",
        abstract: "The crash-safety test's child: random sends, deliveries and prekey uses on SQLite stores in DIR, one line per commit.",
        shouldDisplay: false
    )

    @Option(name: .long, help: "Directory of alice.sqlite, bob.sqlite and storage.key.")
    var directory: String

    @Option(name: .long, help: "How many operations to run.")
    var operations: Int = 1_000_000

    @Flag(name: .long, help: "Deliver everything undelivered, then exit.")
    var drain = false

    func run() async throws {
        try await DurabilityWorker(directory: directory).run(operations: operations, drain: drain)
    }
}
