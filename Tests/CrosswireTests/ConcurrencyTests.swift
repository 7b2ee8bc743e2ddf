@_spi(Hazmat) import CrosswireCrypto
import Testing
@testable import Crosswire

/// Shared stores and process-wide caches used from many tasks at once (run under ThreadSanitizer by
/// scripts/test.sh).
@Suite("Concurrency")
struct ConcurrencyTests {
    @Test("one device talks to many peers in parallel through one shared store")
    func sharedStore() async throws {
        let bob = Device("bob", seed: 90)
        let peers = (0..<8).map { Device("peer\($0)", seed: 91 + UInt64($0)) }
        for (i, peer) in peers.enumerated() {
            try await peer.cipher(for: bob).process(try await bob.bundle(signedID: UInt32(i + 1), preKeyID: UInt32(100 + i)))
        }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for peer in peers {
                group.addTask {
                    var count = 0
                    for round in 0..<10 {
                        let text = "\(peer.name) \(round)"
                        let received = try await bob.receive(try await peer.send(text, to: bob), from: peer)
                        #expect(received == text)
                        let reply = try await peer.receive(try await bob.send("re \(text)", to: peer), from: bob)
                        #expect(reply == "re \(text)")
                        count += 1
                    }
                    return count
                }
            }
            var total = 0
            for try await count in group { total += count }
            #expect(total == 80)
        }
    }

    @Test("signature verification, key generation and seeded entropy are safe from many tasks")
    func sharedCaches() async throws {
        let entropy = SeededEntropy(seed: 5)
        let pairs = (0..<4).map { _ in ECKeyPair.generate(using: entropy) }
        let message: [UInt8] = [1, 2, 3]
        let signatures = pairs.map { $0.privateKey.signature(for: message, using: entropy) }
        await withTaskGroup(of: Bool.self) { group in
            for i in 0..<32 {
                group.addTask {
                    let pair = pairs[i % pairs.count]
                    _ = entropy.bytes(17)
                    _ = ECKeyPair.generate(using: entropy)
                    return pair.publicKey.isValidSignature(signatures[i % pairs.count], for: message)
                }
            }
            for await valid in group { #expect(valid) }
        }
    }

    @Test("group members decrypt in parallel")
    func parallelGroups() async throws {
        let sender = Device("sender", seed: 120)
        let senderCipher = GroupCipher(store: sender.store, localAddress: sender.address, entropy: sender.entropy)
        let groupID: [UInt8] = Array(repeating: 9, count: 16)
        let distribution = try await senderCipher.distributionMessage(for: groupID)
        var messages: [[UInt8]] = []
        for i in 0..<20 { messages.append(try await senderCipher.encrypt([UInt8(i)], groupID: groupID).serialized) }
        let members = (0..<6).map { Device("m\($0)", seed: 121 + UInt64($0)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for member in members {
                let batch = messages
                group.addTask {
                    let cipher = GroupCipher(store: member.store, localAddress: member.address, entropy: member.entropy)
                    try await cipher.process(distribution.serialized, from: sender.address, groupID: groupID)
                    for (i, message) in batch.enumerated().reversed() {
                        let plaintext = try await cipher.decrypt(message, from: sender.address, groupID: groupID)
                        #expect(plaintext == [UInt8(i)])
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
