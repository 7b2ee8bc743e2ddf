import CrosswireCrypto

/// Seeds of skipped messages by counter, for one chain: O(1) lookup and removal, at most a fixed number
/// (`ChainLimits.maxSkippedKeys`); when full, the lowest counter (the oldest) goes first. The same store
/// serves 1:1 receiving chains and Sender Key chains, and packs to the same record bytes for both.
struct SkippedMessageKeys: Sendable {
    /// Bytes per packed entry: counter (u32 little-endian) ‖ seed (32).
    static let packedEntryCount = 36

    private(set) var seeds: [UInt32: SymmetricKey256] = [:]
    /// No stored counter is below this, so eviction scans forward from here (amortised O(1)).
    private var floor: UInt32 = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    var count: Int { seeds.count }
    var isEmpty: Bool { seeds.isEmpty }

    func seed(for counter: UInt32) -> SymmetricKey256? { seeds[counter] }

    mutating func remove(_ counter: UInt32) { seeds[counter] = nil }

    /// Counters arrive in increasing order for a chain, so the oldest is always the smallest.
    mutating func insert(_ seed: SymmetricKey256, for counter: UInt32) {
        if seeds.isEmpty { floor = counter }
        seeds[counter] = seed
        while seeds.count > limit {
            seeds.removeValue(forKey: floor)
            floor &+= 1
        }
    }

    mutating func insert(_ skipped: [(UInt32, SymmetricKey256)]) {
        for (counter, seed) in skipped { insert(seed, for: counter) }
    }

    /// Record form: entries in increasing counter order.
    var packed: [UInt8] {
        var packed = [UInt8]()
        packed.reserveCapacity(Self.packedEntryCount * seeds.count)
        for counter in seeds.keys.sorted() {
            withUnsafeBytes(of: counter.littleEndian) { packed.append(contentsOf: $0) }
            seeds[counter]!.withUnsafeBytes { packed.append(contentsOf: $0) }
        }
        return packed
    }

    /// Reads `packed`, refusing a partial entry, more than `limit` entries, or counters out of order.
    init(packed: [UInt8], limit: Int, in record: String) throws(RecordError) {
        self.init(limit: limit)
        guard packed.count % Self.packedEntryCount == 0, packed.count / Self.packedEntryCount <= limit else {
            throw RecordError(corrupt: record, "skipped keys field of \(packed.count) bytes")
        }
        var previous: UInt32?
        for offset in stride(from: 0, to: packed.count, by: Self.packedEntryCount) {
            let counter = UInt32(packed[offset]) | UInt32(packed[offset + 1]) << 8
                | UInt32(packed[offset + 2]) << 16 | UInt32(packed[offset + 3]) << 24
            if let previous, counter <= previous { throw RecordError(corrupt: record, "skipped keys out of order") }
            previous = counter
            insert(SymmetricKey256(exactly: SecretBytes(packed[(offset + 4)..<(offset + Self.packedEntryCount)])), for: counter)
        }
    }
}
