import CrosswireCrypto
import CrosswireWire

/// The fields of one record message in raw memory, in order: `ProtobufScanner` plus the record rules
/// (a field other than `repeatable` at most once) and errors already typed as `corruptRecord`. The
/// session record decoders loop over it directly, with no closure per field, so parsing retains and
/// copies nothing but the secrets it keeps.
struct RecordScanner {
    private var scanner: ProtobufScanner
    private let repeatable: Int?
    private var seen: UInt64 = 0
    private var seenHigh: Set<Int> = []
    let record: String

    init(_ bytes: UnsafeRawBufferPointer, in record: String, repeatable: Int? = nil) {
        scanner = ProtobufScanner(bytes)
        self.record = record
        self.repeatable = repeatable
    }

    mutating func next() throws(RecordError) -> ProtobufScanner.Field? {
        let next: ProtobufScanner.Field?
        do {
            next = try scanner.next()
        } catch {
            throw RecordError(corrupt: record, error.reason, underlying: error)
        }
        guard let field = next else { return nil }
        if field.number != repeatable {
            let first = field.number < 64 ? seen & (1 << UInt64(field.number)) == 0 : seenHigh.insert(field.number).inserted
            guard first else { throw RecordError(corrupt: record, "field \(field.number) appears twice") }
            if field.number < 64 { seen |= 1 << UInt64(field.number) }
        }
        return field
    }
}

extension ProtobufScanner.Field {
    /// `uint32()` with its error as `corruptRecord` of `record`.
    func uint32(in record: String) throws(RecordError) -> UInt32 {
        do { return try uint32() } catch { throw RecordError(corrupt: record, error.reason, underlying: error) }
    }

    /// `bytes(count:)` with its error as `corruptRecord` of `record`.
    func bytes(count: Int? = nil, in record: String) throws(RecordError) -> UnsafeRawBufferPointer {
        do { return try bytes(count: count) } catch { throw RecordError(corrupt: record, error.reason, underlying: error) }
    }

    /// A bare 32-byte public key.
    func publicKey(in record: String) throws(RecordError) -> ECPublicKey {
        let raw = try bytes(count: ECPublicKey.rawCount, in: record)
        do { return try ECPublicKey(rawRepresentation: raw) } catch { throw RecordError(corrupt: record, "key: \(error.reason)", underlying: error) }
    }

    /// A 32-byte secret, copied from the input straight into a wiping container.
    func secretKey(in record: String) throws(RecordError) -> SymmetricKey256 {
        SymmetricKey256(exactly: SecretBytes(copying: try bytes(count: SymmetricKey256.byteCount, in: record)))
    }
}
