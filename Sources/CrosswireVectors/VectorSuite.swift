import Crosswire
@_spi(Hazmat) import CrosswireCrypto
import Foundation

/// Every vector file Crosswire checks: its own JSON files at the top of `Vectors/` and the Wycheproof
/// files it uses in `Vectors/wycheproof/`.
public enum VectorSuite {
    /// The files, in a fixed order, that `crosswire vectors verify` and the tests run.
    public static func files(in directory: URL) throws -> [URL] {
        let manager = FileManager.default
        var urls: [URL] = []
        for folder in [directory, directory.appendingPathComponent("wycheproof")] {
            let names = try manager.contentsOfDirectory(atPath: folder.path)
                .filter { $0.hasSuffix(".json") }
                .sorted()
            urls += names.map { folder.appendingPathComponent($0) }
        }
        return urls
    }

    public static func verify(directory: URL) async throws -> [VectorReport] {
        var reports: [VectorReport] = []
        for url in try files(in: directory) { reports.append(await VectorRunner.run(try VectorFile(contentsOf: url))) }
        return reports
    }

    /// Writes the files Crosswire generates, pretty-printed with sorted keys so that regeneration gives
    /// byte-identical files.
    public static func generate(directory: URL) async throws -> [URL] {
        var written: [URL] = []
        let sessions = try await SessionVectors.generate()
        for (name, object) in [("session-v3.json", sessions),
                               ("envelope.json", try EnvelopeVectors.generate(realCiphertext: try firstCiphertext(of: sessions))),
                               ("sealed-sender.json", try SealedSenderVectors.generate()),
                               ("attachments.json", try AttachmentVectors.generate()),
                               ("sender-keys.json", try await SenderKeyVectors.generate()),
                               ("pqxdh-v4.json", try await SessionVectors.generate(postQuantum: true, keeping: try? VectorFile(
                                   contentsOf: directory.appendingPathComponent("pqxdh-v4.json"))))] {
            let url = directory.appendingPathComponent(name)
            try (try encode(object)).write(to: url)
            written.append(url)
        }
        return written
    }

    /// Alice's first PreKeySignalMessage of the first session vector: real libsignal-compatible bytes
    /// for the envelope vectors to carry.
    static func firstCiphertext(of sessions: [String: Any]) throws -> [UInt8] {
        guard let groups = sessions["testGroups"] as? [[String: Any]], let tests = groups.first?["tests"] as? [[String: Any]],
              let messages = tests.first?["messages"] as? [[String: Any]], let hex = messages.first?["ciphertext"] as? String else {
            throw VectorFileError("session vectors without a first message")
        }
        return try Hex.decode(hex)
    }

    /// A generated file's top level: the groups with every test numbered (`tcId` from 1, empty `flags`).
    static func file(algorithm: String, header: [String], groups: [(type: String, tests: [[String: Any]])]) -> [String: Any] {
        var next = 1
        let numbered: [[String: Any]] = groups.map { group in
            ["type": group.type, "tests": group.tests.map { test in
                var test = test
                test["tcId"] = next
                test["flags"] = [String]()
                next += 1
                return test
            }]
        }
        return ["algorithm": algorithm, "generatedBy": "crosswire vectors generate", "numberOfTests": next - 1, "header": header, "testGroups": numbered]
    }

    /// The exact bytes a generated file has.
    public static func encode(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) + Data("\n".utf8)
    }

    /// `Vectors/` found from the current directory or any parent (so tests and the tool work from
    /// anywhere inside a checkout).
    public static func locateDirectory(startingAt start: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) -> URL? {
        var current = start.standardizedFileURL
        while true {
            let candidate = current.appendingPathComponent("Vectors")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("wycheproof").path) {
                return candidate
            }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return nil }
            current = parent
        }
    }
}
