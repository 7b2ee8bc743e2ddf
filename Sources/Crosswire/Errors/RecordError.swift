import CrosswireCrypto
import CrosswireWire

/// A stored record (session, sender key, identity, prekey) that could not be decoded. Raised by every
/// `init(serialized:)` of a record type, before anything is used: a corrupt row is refused, never half
/// loaded.
public struct RecordError: CrosswireError {
    /// This family's codes: `corruptRecord` and `unknownFormat`.
    public typealias Code = ErrorCode<RecordError>
    public typealias Family = RecordError

    /// Which failure it is: a corrupt row, or a format this build cannot read.
    public let code: Code
    /// Which field or check failed; never the record's bytes.
    public let reason: String
    /// Which kind of record it was ("session record", "signed prekey", …).
    public internal(set) var record: String?
    /// The codec or key error the decoder stopped at, if any.
    public let underlying: (any Error)?

    /// An error without payloads; the decoders also set `record`.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }

    init(corrupt record: String, _ reason: String, underlying: (any Error)? = nil) {
        self.init(.corruptRecord, "\(record): \(reason)", underlying: underlying)
        self.record = record
    }

    /// Runs `body` over each protobuf field of `bytes`, turning codec and key errors into `corruptRecord`.
    /// A field number other than `repeatable` (each record has at most one repeated field) may appear
    /// once: a second occurrence (which protobuf would let silently win) is refused, so no two encodings
    /// of one record decode alike.
    static func fields(
        of bytes: ArraySlice<UInt8>, in record: String, repeatable: Int? = nil, _ body: (ProtobufReader.Field) throws -> Void
    ) throws(RecordError) {
        do {
            var reader = ProtobufReader(bytes)
            var seen: UInt64 = 0
            var seenHigh: Set<Int> = []
            while let field = try reader.next() {
                if field.number != repeatable {
                    let first = field.number < 64 ? seen & (1 << UInt64(field.number)) == 0 : seenHigh.insert(field.number).inserted
                    guard first else { throw RecordError(corrupt: record, "field \(field.number) appears twice") }
                    if field.number < 64 { seen |= 1 << UInt64(field.number) }
                }
                try body(field)
            }
        } catch let error as RecordError {
            throw error
        } catch let error as WireFormatError {
            throw RecordError(corrupt: record, error.reason, underlying: error)
        } catch let error as CryptoError {
            throw RecordError(corrupt: record, "key: \(error.reason)", underlying: error)
        } catch {
            throw RecordError(corrupt: record, "\(error)", underlying: error)
        }
    }
}

extension ErrorCode where Family == RecordError {
    /// The bytes are not a record of this kind: truncated, inconsistent, or a key that does not decode.
    public static let corruptRecord = Self("corruptRecord")
    /// The record's format version is one this build does not read.
    public static let unknownFormat = Self("unknownFormat")
}

extension ProtobufReader.Value {
    /// A 32-byte secret field, copied from the input straight into a wiping container.
    func secretKey(field number: Int) throws -> SymmetricKey256 {
        try SymmetricKey256(rawRepresentation: try slice(field: number, count: SymmetricKey256.byteCount))
    }
}
