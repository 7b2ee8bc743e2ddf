import _CrosswireTestSupport
import Foundation
import Testing

/// Every file of the fuzz corpus (seeds and crash regressions in Vectors/corpus/<target>/) is replayed
/// through its target on every test run: a former crash can never come back unnoticed.
@Suite("Fuzz corpus replay", .serialized)  // the decrypt targets share one live fixture
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Vectors/corpus")

    @Test("each target's corpus replays without a crash or an untyped error", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) async throws {
        let folder = Self.corpus.appendingPathComponent(target.rawValue)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(!names.isEmpty, "no corpus for \(target.rawValue)")
        for name in names {
            await target.run(Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
    }

    @Test("the seeds are real inputs: mutating them exercises the failure paths", arguments: FuzzTarget.allCases)
    func mutations(target: FuzzTarget) async throws {
        var generator = SeededGenerator(seed: 99)
        for seed in try await target.seeds() {
            await target.run(seed)
            for _ in 0..<20 where !seed.isEmpty {
                var mutated = seed
                let index = Int.random(in: 0..<mutated.count, using: &generator)
                mutated[index] ^= UInt8.random(in: 1...255, using: &generator)
                if Bool.random(using: &generator) { mutated.removeLast(Int.random(in: 0..<mutated.count, using: &generator)) }
                await target.run(mutated)
            }
        }
    }

    @Test("every decrypt seed is accepted, so campaigns start past the checks into the responder and KEM paths",
          arguments: [FuzzTarget.decryptPreKey, .decryptSignal, .decryptSenderKey])
    func seedsReachTheDeepestPath(target: FuzzTarget) async throws {
        let seeds = try await target.seeds()
        #expect(seeds.count >= (target == .decryptPreKey ? 4 : 2))
        for (index, seed) in seeds.enumerated() {
            let outcome = await target.run(seed)
            #expect(outcome == .accepted, "seed \(index) of \(target.rawValue): \(outcome)")
        }
    }
}
