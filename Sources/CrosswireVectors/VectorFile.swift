@_spi(Hazmat) import CrosswireCrypto
import Foundation

/// One JSON vector file in the Wycheproof shape (`algorithm`, `testGroups[].tests[]`, `tcId`, `result`,
/// `flags`, hex fields). Wycheproof's own files and Crosswire's files load through this one type.
public struct VectorFile: Sendable {
    public enum Expectation: String, Sendable {
        case valid, invalid, acceptable
    }

    public struct Case: Sendable {
        public let id: Int
        public let comment: String
        public let flags: [String]
        public let expectation: Expectation
        /// Every string field of the test, by name (hex for byte fields).
        public let strings: [String: String]
        /// Every integer field of the test, by name.
        public let integers: [String: Int]
        /// Arrays of flat objects (e.g. a conversation's messages), values as strings (integers in decimal).
        public let lists: [String: [[String: String]]]
        /// Arrays of integers (e.g. a delivery order).
        public let integerLists: [String: [Int]]

        /// The hex field `name` decoded; a missing field is an error in the vector file.
        public func bytes(_ name: String) throws -> [UInt8] {
            guard let text = strings[name] else { throw VectorFileError("test \(id) has no field '\(name)'") }
            return try Hex.decode(text)
        }
    }

    public struct Group: Sendable {
        public let type: String
        public let strings: [String: String]
        public let integers: [String: Int]
        /// Nested objects flattened as `outer.inner` (e.g. Wycheproof's `publicKey.pk`).
        public let cases: [Case]
    }

    public let name: String
    public let algorithm: String
    public let schema: String?
    public let declaredCount: Int?
    public let groups: [Group]

    public var cases: [Case] { groups.flatMap(\.cases) }

    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        try self.init(name: url.lastPathComponent, json: data)
    }

    public init(name: String, json: Data) throws {
        guard let root = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw VectorFileError("\(name): top level is not an object")
        }
        self.name = name
        algorithm = root["algorithm"] as? String ?? "?"
        schema = root["schema"] as? String
        declaredCount = root["numberOfTests"] as? Int
        guard let rawGroups = root["testGroups"] as? [[String: Any]] else {
            throw VectorFileError("\(name): no testGroups")
        }
        groups = try rawGroups.map { raw in
            var strings: [String: String] = [:]
            var integers: [String: Int] = [:]
            Self.flatten(raw, prefix: "", strings: &strings, integers: &integers)
            let tests = raw["tests"] as? [[String: Any]] ?? []
            let cases = try tests.map { test -> Case in
                var s: [String: String] = [:]
                var i: [String: Int] = [:]
                Self.flatten(test, prefix: "", strings: &s, integers: &i)
                var lists: [String: [[String: String]]] = [:], integerLists: [String: [Int]] = [:]
                for (key, value) in test {
                    if let objects = value as? [[String: Any]] {
                        lists[key] = objects.map { object in
                            var flat: [String: String] = [:]
                            for (k, v) in object {
                                if let text = v as? String { flat[k] = text } else if let n = v as? Int { flat[k] = String(n) }
                            }
                            return flat
                        }
                    } else if let numbers = value as? [Int], !numbers.isEmpty || key != "flags" {
                        integerLists[key] = numbers
                    }
                }
                guard let id = test["tcId"] as? Int,
                      let result = (test["result"] as? String).flatMap(Expectation.init(rawValue:)) else {
                    throw VectorFileError("\(name): a test lacks tcId or a known result")
                }
                return Case(id: id, comment: test["comment"] as? String ?? "",
                            flags: test["flags"] as? [String] ?? [], expectation: result,
                            strings: s, integers: i, lists: lists, integerLists: integerLists)
            }
            return Group(type: raw["type"] as? String ?? "?", strings: strings, integers: integers, cases: cases)
        }
    }

    private static func flatten(_ object: [String: Any], prefix: String, strings: inout [String: String], integers: inout [String: Int]) {
        for (key, value) in object where key != "tests" {
            let name = prefix.isEmpty ? key : prefix + "." + key
            if let text = value as? String {
                strings[name] = text
            } else if let number = value as? Int {
                integers[name] = number
            } else if let nested = value as? [String: Any] {
                flatten(nested, prefix: name, strings: &strings, integers: &integers)
            }
        }
    }
}

public struct VectorFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
