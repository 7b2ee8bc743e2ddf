@_exported import CAllocCounter
import Glibc

/// One measured operation: median ns/op over repetitions, the spread, and heap allocations per op.
public struct Measurement {
    public let group: String
    public let name: String
    public let role: Role
    public let nsPerOp: Double
    public let minNs: Double
    public let maxNs: Double
    public let allocsPerOp: Double

    public init(group: String, name: String, role: Role, nsPerOp: Double, minNs: Double, maxNs: Double, allocsPerOp: Double) {
        self.group = group; self.name = name; self.role = role; self.nsPerOp = nsPerOp
        self.minNs = minNs; self.maxNs = maxNs; self.allocsPerOp = allocsPerOp
    }

    public enum Role: String, Sendable {
        case crosswire = "crosswire"   // Crosswire's public API
        case wrapped = "wrapped"       // the call Crosswire's API wraps (its provider), called directly
        case alternative = "alt"       // another provider, for the choice
    }
}

@inline(never)
public func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

public func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Calibrates the iteration count to ~`targetMs` per repetition, warms up, then runs `repetitions`
/// timed repetitions; allocations are counted over one extra repetition.
public func measure(
    _ group: String, _ name: String, role: Measurement.Role,
    repetitions: Int = 9, targetMs: Double = 25, _ body: () -> Void
) -> Measurement {
    var iterations = 1
    while true {
        let start = now()
        for _ in 0..<iterations { body() }
        let elapsed = Double(now() - start)
        if elapsed > targetMs * 1_000_000 / 4 || iterations > 1 << 24 {
            iterations = max(1, Int(Double(iterations) * targetMs * 1_000_000 / max(elapsed, 1)))
            break
        }
        iterations *= 4
    }
    var samples: [Double] = []
    for _ in 0..<repetitions {
        let start = now()
        for _ in 0..<iterations { body() }
        samples.append(Double(now() - start) / Double(iterations))
    }
    samples.sort()
    let before = cw_alloc_count()
    for _ in 0..<iterations { body() }
    let allocs = Double(cw_alloc_count() - before) / Double(iterations)
    return Measurement(group: group, name: name, role: role, nsPerOp: samples[samples.count / 2],
                       minNs: samples.first!, maxNs: samples.last!, allocsPerOp: allocs)
}

public func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let count = text.count
    if count >= width { return text }
    let fill = String(repeating: " ", count: width - count)
    return right ? fill + text : text + fill
}

public func format(_ value: Double, decimals: Int = 0) -> String {
    var multiplier = 1.0
    for _ in 0..<decimals { multiplier *= 10 }
    let rounded = (value * multiplier).rounded() / multiplier
    if decimals == 0 { return String(Int(rounded)) }
    return String(rounded)
}

/// Prints one table per group; ratios are to the `wrapped` row of the group (the raw call under the API).
public func printTable(_ rows: [Measurement], json: Bool) {
    if json {
        for row in rows {
            print("{\"group\":\"\(row.group)\",\"name\":\"\(row.name)\",\"role\":\"\(row.role.rawValue)\",\"ns_per_op\":\(format(row.nsPerOp, decimals: 1)),\"min_ns\":\(format(row.minNs, decimals: 1)),\"max_ns\":\(format(row.maxNs, decimals: 1)),\"allocs_per_op\":\(format(row.allocsPerOp, decimals: 2))}")
        }
        return
    }
    var groups: [String] = []
    for row in rows where !groups.contains(row.group) { groups.append(row.group) }
    for group in groups {
        let members = rows.filter { $0.group == group }
        let base = members.first { $0.role == .wrapped }
        print("\n\(group)")
        print(pad("  operation", 58) + pad("ns/op", 10, right: true) + pad("spread", 16, right: true) + pad("allocs", 8, right: true) + pad("× wrapped", 11, right: true))
        for row in members {
            let ratio = base.map { format(row.nsPerOp / $0.nsPerOp, decimals: 2) } ?? "-"
            let spread = "\(format(row.minNs))–\(format(row.maxNs))"
            print(pad("  [\(row.role.rawValue)] \(row.name)", 58) + pad(format(row.nsPerOp), 10, right: true)
                  + pad(spread, 16, right: true) + pad(row.allocsPerOp < 0 ? "-" : format(row.allocsPerOp, decimals: 1), 8, right: true) + pad(ratio, 11, right: true))
        }
    }
}
