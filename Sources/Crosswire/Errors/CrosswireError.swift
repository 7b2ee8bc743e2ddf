import CrosswireWire

/// What every error of the protocol layer shares: a code to match on, a reason for people that never
/// holds key material or plaintext, and the lower-level error it came from (a codec, crypto or store
/// error), kept rather than flattened into the text.
public protocol CrosswireError: Error, Equatable, CustomStringConvertible {
    /// The family the codes belong to (the conforming type itself).
    associatedtype Family
    /// What went wrong, to match on with `==`: new codes are added without breaking callers.
    var code: ErrorCode<Family> { get }
    /// For people and logs: names ids, counters and sizes, never key material or plaintext.
    var reason: String { get }
    /// The codec, crypto or store error this one came from, kept whole rather than flattened into `reason`.
    var underlying: (any Error)? { get }
    /// An error of this family without payloads; each family's own initializers set those.
    init(_ code: ErrorCode<Family>, _ reason: String, underlying: (any Error)?)
}

extension CrosswireError {
    /// The code's name, for logs and the interop protocol's `<code>: <reason>` answers.
    public var codeName: String { code.rawValue }

    /// `Type.code: reason`, then the underlying error: safe to log, since no part holds secrets.
    public var description: String {
        var text = "\(Self.self).\(code): \(reason)"
        if let underlying { text += " (underlying: \(underlying))" }
        return text
    }

    /// Errors of one family are equal when their codes are: tests and callers match on the code.
    public static func == (a: Self, b: Self) -> Bool { a.code == b.code }

    /// The one mapping from codec errors to protocol errors: this family's `invalidMessage`, or
    /// `wrongLayout` for a Sender Key message in the other layout.
    static func decoding(_ error: WireFormatError, _ what: String) -> Self {
        let code = ErrorCode<Family>(error.code == .wrongLayout ? "wrongLayout" : "invalidMessage")
        return Self(code, "\(what): \(error.code): \(error.reason)", underlying: error)
    }

    /// Runs a codec step, mapping its error here and nowhere else.
    static func decode<T>(_ what: String, _ body: () throws -> T) throws(Self) -> T {
        do {
            return try body()
        } catch let error as WireFormatError {
            throw decoding(error, what)
        } catch {
            throw Self(ErrorCode<Family>("invalidMessage"), "\(what): \(error)", underlying: error)
        }
    }

    /// Runs a call into a caller's store: its error comes through wrapped as `storeFailure`, never
    /// swallowed or retyped.
    static func store<T>(_ what: String, _ body: () throws -> T) throws(Self) -> T {
        do {
            return try body()
        } catch let error as Self {
            throw error
        } catch {
            throw Self(ErrorCode<Family>("storeFailure"), "the store failed to \(what)", underlying: error)
        }
    }
}
