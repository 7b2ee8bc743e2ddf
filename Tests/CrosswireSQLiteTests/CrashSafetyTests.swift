import CrosswireWire
import Foundation
import GRDB
import Testing
import _CrosswireTestSupport

/// The crash test: `crosswire durability-worker` (Alice and Bob on SQLite stores, sending, delivering,
/// and short-lived peers taking Bob's one-time prekeys) is killed with SIGKILL at random points and
/// restarted on the same files, many times; then it drains every undelivered message. Every line the
/// worker printed was printed after its commit, so each is a promise the files must keep.
/// `CROSSWIRE_SCALE` multiplies the number of kills (scripts/kill-test.sh runs it long).
@Suite("Crash safety: SIGKILL at random points", .enabled(if: PeerEnvironment.shouldRun(peers: [], binary: true)))
struct CrashSafetyTests {
    static var scale: Double { ProcessInfo.processInfo.environment["CROSSWIRE_SCALE"].flatMap(Double.init) ?? 1 }

    /// Runs the worker with stdout to `log`; kills it after `killAfter` seconds, or lets it finish.
    private func runWorker(_ directory: String, log: String, arguments: [String] = [], killAfter: Double?) throws -> Process.TerminationReason {
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = PeerEnvironment.crosswireBinary
        process.arguments = ["durability-worker", "--directory", directory] + arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        if let killAfter {
            Thread.sleep(forTimeInterval: killAfter)
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        let stderr = String(decoding: PeerEnvironment.readToEnd(errors.fileHandleForReading), as: UTF8.self)
        if killAfter != nil, process.terminationReason == .exit {
            Issue.record("the worker exited (status \(process.terminationStatus)) before it was killed: \(stderr)")
        }
        if killAfter == nil, process.terminationStatus != 0 {
            Issue.record("the draining worker failed (status \(process.terminationStatus)): \(stderr)")
        }
        return process.terminationReason
    }

    /// The complete lines of a log: a line cut by the kill was never acknowledged.
    private func lines(_ log: String) throws -> [[Substring]] {
        let text = try String(contentsOfFile: log, encoding: .utf8)
        var complete = text.split(separator: "\n", omittingEmptySubsequences: false)
        complete.removeLast()  // whatever follows the last newline (empty, or cut by the kill)
        return complete.map { $0.split(separator: " ", maxSplits: 3) }
    }

    @Test("nothing acknowledged is lost, no message decrypts twice, no counter or one-time prekey is used twice")
    func killedManyTimes() throws {
        let directory = NSTemporaryDirectory() + "crosswire-kill-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kills = max(3, Int(12 * Self.scale))
        var acknowledged: [[Substring]] = []
        var killed = 0
        for round in 0..<kills {
            let log = directory + ".round\(round).log"
            defer { try? FileManager.default.removeItem(atPath: log) }
            if try runWorker(directory, log: log, killAfter: Double.random(in: 0.1...0.5)) == .uncaughtSignal { killed += 1 }
            acknowledged += try lines(log)
        }
        let drainLog = directory + ".drain.log"
        defer { try? FileManager.default.removeItem(atPath: drainLog) }
        _ = try runWorker(directory, log: drainLog, arguments: ["--drain"], killAfter: nil)
        acknowledged += try lines(drainLog)
        #expect(killed == kills)

        let alice = try DatabaseQueue(path: directory + "/alice.sqlite"), bob = try DatabaseQueue(path: directory + "/bob.sqlite")
        let files = ["alice": alice, "bob": bob]
        struct Sent { let recipient: String; let body: String; let kind: Int; let ciphertext: [UInt8]; let delivered: Bool }
        var outboxes: [String: [Int64: Sent]] = [:]
        var inboxes: [String: [(sender: String, seq: Int64, body: String, prekey: Int64?)]] = [:]
        for (name, queue) in files {
            try queue.read { db in
                for row in try Row.fetchAll(db, sql: "SELECT * FROM outbox") {
                    outboxes[name, default: [:]][row["seq"]] = Sent(recipient: row["recipient"], body: row["body"], kind: row["kind"],
                                                                    ciphertext: Array(row["ciphertext"] as Data), delivered: row["delivered"] as Int == 1)
                }
                inboxes[name] = try Row.fetchAll(db, sql: "SELECT * FROM inbox").map { ($0["sender"], $0["seq"], $0["body"], $0["prekey"]) }
            }
        }

        // 1. Every acknowledged send is in its sender's outbox, every acknowledged receipt in an inbox.
        var sends = 0, receipts = 0, preKeys = 0
        for line in acknowledged {
            switch line.first {
            case "sent":
                sends += 1
                let stored = outboxes[String(line[1])]?[Int64(line[2])!]
                #expect(stored?.body == String(line[3]), "acknowledged send \(line) is missing")
            case "received":
                receipts += 1
                #expect(inboxes[String(line[1])]?.contains { $0.sender == line[2] && $0.seq == Int64(line[3])! } == true, "acknowledged receipt \(line) is missing")
            case "prekey":
                preKeys += 1
                #expect(inboxes["bob"]?.contains { $0.sender == line[2] && $0.prekey == Int64(line[3])! } == true, "acknowledged prekey use \(line) is missing")
            default: break
            }
        }
        // 2. After the drain every message was delivered exactly once, with the body that was sent.
        for (sender, outbox) in outboxes {
            for (seq, sent) in outbox {
                #expect(sent.delivered, "\(sender) \(seq) was never delivered")
                let copies = inboxes[sent.recipient]?.filter { $0.sender == sender && $0.seq == seq } ?? []
                #expect(copies.count == 1, "\(sender) \(seq) is in \(sent.recipient)'s inbox \(copies.count) times")
                #expect(copies.first?.body == sent.body)
            }
            // 3. No (ratchet key, counter) was ever used for two ciphertexts: no message key reused.
            let keys = try outbox.values.map { sent -> String in
                let message = sent.kind == 3 ? try PreKeySignalMessage(serialized: sent.ciphertext).message : try SignalMessage(serialized: sent.ciphertext)
                return "\(message.ratchetKey)/\(message.counter)"
            }
            #expect(Set(keys).count == keys.count, "\(sender) encrypted two messages under one counter")
        }
        // 4. No one-time prekey started two sessions.
        let used = inboxes["bob"]?.compactMap(\.prekey) ?? []
        #expect(Set(used).count == used.count, "a one-time prekey was used twice: \(used)")
        print("crash safety: \(killed) kills survived, \(sends) sends, \(receipts) receipts, \(preKeys) one-time prekey sessions acknowledged; " +
              "\(outboxes.values.map(\.count).reduce(0, +)) messages in the files")
        #expect(sends > 0 && receipts > 0)
    }
}
