import CrosswireCrypto
import CrosswireWire

/// Seeds of skipped messages by counter, for one chain: O(1) lookup and removal, at most a fixed number
/// (`ChainLimits.maxSkippedKeys`); when full, the lowest counter (the oldest) goes first. The same store
/// serves 1:1 receiving chains and Sender Key chains, and packs to the same record bytes for both.
struct SkippedMessageKeys: Sendable {
    /// Bytes per packed entry: counter (u32 little-endian) ‖ seed (32).
    static let packedEntryCount = 36

    private(set) var seeds: [UInt32: SymmetricKey256] = [:]
    /// Counters in the order they were inserted, which is increasing for a chain, from `head` on. Used
    /// keys stay here until eviction passes them, so evicting costs O(1) amortised whatever the gaps
    /// between counters (a scan over counter values could take 2^32 steps).
    private var order: [UInt32] = []
    private var head = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    var count: Int { seeds.count }
    var isEmpty: Bool { seeds.isEmpty }

    func seed(for counter: UInt32) -> SymmetricKey256? { seeds[counter] }

    mutating func remove(_ counter: UInt32) {
        seeds[counter] = nil
        compactIfSparse()
    }

    /// Counters arrive in increasing order for a chain, so the oldest is always the first in `order`.
    mutating func insert(_ seed: SymmetricKey256, for counter: UInt32) {
        if seeds.updateValue(seed, forKey: counter) == nil { order.append(counter) }
        while seeds.count > limit {
            seeds.removeValue(forKey: order[head])
            head += 1
        }
        compactIfSparse()
    }

    mutating func insert(_ skipped: [(UInt32, SymmetricKey256)]) {
        for (counter, seed) in skipped { insert(seed, for: counter) }
    }

    /// Keeps `order` within twice the live entries (plus slack), dropping used and evicted counters.
    private mutating func compactIfSparse() {
        guard order.count - head > 2 * seeds.count + 32 || head > 2 * limit else { return }
        order = order[head...].filter { seeds[$0] != nil }
        head = 0
    }

    /// Bytes of the record form.
    var packedCount: Int { Self.packedEntryCount * seeds.count }

    /// The same into a record buffer sized in advance (`packedCount` bytes of payload).
    func encode(into out: inout ProtobufCursor, field number: Int) {
        out.putKeyAndLength(number, packedCount)
        for counter in seeds.keys.sorted() {
            withUnsafeBytes(of: counter.littleEndian) { out.putRaw($0) }
            seeds[counter]!.withUnsafeBytes { out.putRaw($0) }
        }
    }

    /// Record form, entries in increasing counter order, written straight into `writer` as field
    /// `number` (no intermediate array of seeds).
    func append(to writer: inout ProtobufWriter, field number: Int) {
        writer.appendBytes(field: number, count: packedCount) { out in
            for counter in seeds.keys.sorted() {
                withUnsafeBytes(of: counter.littleEndian) { out.append(contentsOf: $0) }
                seeds[counter]!.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        }
    }

    /// Reads the record form, refusing a partial entry, more than `limit` entries, counters out of
    /// order, or a counter at or past `index` (a chain cannot have skipped a message it has not reached).
    init(packed: UnsafeRawBufferPointer, limit: Int, below index: UInt32, in record: String) throws(RecordError) {
        self.init(limit: limit)
        guard packed.count % Self.packedEntryCount == 0, packed.count / Self.packedEntryCount <= limit else {
            throw RecordError(corrupt: record, "skipped keys field of \(packed.count) bytes")
        }
        var previous: UInt32?
        for offset in stride(from: 0, to: packed.count, by: Self.packedEntryCount) {
            let counter = UInt32(packed[offset]) | UInt32(packed[offset + 1]) << 8
                | UInt32(packed[offset + 2]) << 16 | UInt32(packed[offset + 3]) << 24
            if let previous, counter <= previous { throw RecordError(corrupt: record, "skipped keys out of order") }
            guard counter < index else {
                throw RecordError(corrupt: record, "a skipped key for message \(counter), which its chain (at \(index)) has not reached")
            }
            previous = counter
            let seed = UnsafeRawBufferPointer(rebasing: packed[(offset + 4)..<(offset + Self.packedEntryCount)])
            insert(SymmetricKey256(exactly: SecretBytes(copying: seed)), for: counter)
        }
    }

    /// The same from a slice (Sender Key records, which still read with `ProtobufReader`).
    init(packed: ArraySlice<UInt8>, limit: Int, below index: UInt32, in record: String) throws(RecordError) {
        let parsed = packed.withUnsafeBytes { raw in
            Result { () throws(RecordError) -> SkippedMessageKeys in try SkippedMessageKeys(packed: raw, limit: limit, below: index, in: record) }
        }
        self = try parsed.get()
    }
}
