import Crosswire
/// What running one vector file found: counts by expectation, and every failure with its test id.
public struct VectorReport: Sendable, CustomStringConvertible {
    public let file: String
    public let algorithm: String
    public internal(set) var passed = 0
    public internal(set) var failures: [String] = []
    public internal(set) var counts: [VectorFile.Expectation: Int] = [:]
    /// How many `acceptable` cases were accepted and how many refused (each by an explicit rule).
    public internal(set) var acceptableAccepted = 0
    public internal(set) var acceptableRejected = 0

    init(file: String, algorithm: String) {
        self.file = file
        self.algorithm = algorithm
    }

    public var total: Int { passed + failures.count }
    public var isSuccess: Bool { failures.isEmpty && total > 0 }

    public var description: String {
        let valid = counts[.valid, default: 0], invalid = counts[.invalid, default: 0]
        let acceptable = counts[.acceptable, default: 0]
        var line = "\(file) [\(algorithm)]: \(passed)/\(total) passed (valid \(valid), invalid \(invalid)"
        if acceptable > 0 {
            line += ", acceptable \(acceptable): \(acceptableAccepted) accepted, \(acceptableRejected) rejected"
        }
        line += ")"
        if !failures.isEmpty { line += "\n  FAIL " + failures.prefix(20).joined(separator: "\n  FAIL ") }
        return line
    }
}
