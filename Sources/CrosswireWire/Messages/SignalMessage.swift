import CrosswireCrypto

/// libsignal's SignalMessage (type 2): `version ‖ protobuf{1 ratchet_key, 2 counter, 3 previous_counter,
/// 4 ciphertext} ‖ mac(8)`. This type only encodes and decodes; the MAC is computed and checked by the
/// protocol layer over `senderIdentity ‖ receiverIdentity ‖ authenticatedBytes`.
public struct SignalMessage: Sendable, Equatable {
    /// The transport type code (2) that tells a receiver to parse these bytes as this type.
    public static let kind = MessageKind.signal

    /// The session version from the high nibble of the first byte.
    public let version: MessageVersion
    /// 33-byte serialized sender ratchet key (a copy; `ratchetKeyBytes` reads it in place).
    public var ratchetKey: [UInt8] { Array(serialized[ratchetKeyRange]) }
    /// The message's index in the sender's current chain. Untrusted until the MAC verifies.
    public let counter: UInt32
    /// The length of the sender's previous chain (0 when absent), for keys skipped across a ratchet step.
    public let previousCounter: UInt32
    /// The AES-256-CBC payload, opaque to this module (a copy; `ciphertextBytes` reads it in place).
    public var ciphertext: [UInt8] { Array(serialized[ciphertextRange]) }
    /// The whole message as sent.
    public let serialized: [UInt8]
    /// Where the ratchet key and the ciphertext sit in `serialized`: the message is one buffer.
    let ratchetKeyRange: Range<Int>
    let ciphertextRange: Range<Int>

    /// The ratchet key inside `serialized`, without a copy.
    public var ratchetKeyBytes: ArraySlice<UInt8> { serialized[ratchetKeyRange] }
    /// The ciphertext inside `serialized`, without a copy.
    public var ciphertextBytes: ArraySlice<UInt8> { serialized[ciphertextRange] }

    /// Everything the MAC covers besides the identities: version byte and protobuf.
    public var authenticatedBytes: ArraySlice<UInt8> { serialized[..<(serialized.count - WireLimits.macBytes)] }
    /// The 8-byte truncated HMAC at the end; this type never checks it.
    public var mac: ArraySlice<UInt8> { serialized[(serialized.count - WireLimits.macBytes)...] }

    /// Encodes the header and ciphertext; `mac` computes the 8-byte tag over the bytes so far, which is
    /// then appended. Fields go out in ascending tag order with `previous_counter` always present, as
    /// libsignal emits them.
    public init(
        version: MessageVersion, ratchetKey: [UInt8], counter: UInt32, previousCounter: UInt32, ciphertext: [UInt8],
        mac: (ArraySlice<UInt8>) -> [UInt8]
    ) {
        var writer = ProtobufWriter(prefix: [version.byte],
                                    reservingCapacity: ciphertext.count + 64)
        writer.appendBytes(field: 1, ratchetKey)
        writer.appendUInt(field: 2, UInt64(counter))
        writer.appendUInt(field: 3, UInt64(previousCounter))
        let ratchetStart = 1 + ProtobufWriter.keyCount(field: 1) + ProtobufWriter.varintCount(UInt64(ratchetKey.count))
        let ciphertextStart = writer.bytes.count + ProtobufWriter.keyCount(field: 4) + ProtobufWriter.varintCount(UInt64(ciphertext.count))
        writer.appendBytes(field: 4, ciphertext)
        var bytes = writer.bytes
        let tag = mac(bytes[...])
        precondition(tag.count == WireLimits.macBytes)
        bytes.append(contentsOf: tag)
        self.version = version
        self.counter = counter
        self.previousCounter = previousCounter
        self.serialized = bytes
        self.ratchetKeyRange = ratchetStart..<(ratchetStart + ratchetKey.count)
        self.ciphertextRange = ciphertextStart..<(ciphertextStart + ciphertext.count)
    }

    /// The same bytes as the initializer above, built in one buffer of the exact size, the one
    /// allocation of an encrypted message: `encrypt` writes the `ciphertextCount` bytes of ciphertext
    /// in place, then `mac` writes the 8-byte tag given the authenticated bytes before it.
    public init(
        version: MessageVersion, ratchetKey: UnsafeRawBufferPointer, counter: UInt32, previousCounter: UInt32, ciphertextCount: Int,
        encrypt: (UnsafeMutableRawBufferPointer) throws(CryptoError) -> Void,
        mac: (_ authenticated: UnsafeRawBufferPointer, _ tag: UnsafeMutableRawBufferPointer) -> Void
    ) throws(CryptoError) {
        let ratchetStart = 1 + ProtobufWriter.keyCount(field: 1) + ProtobufWriter.varintCount(UInt64(ratchetKey.count))
        let headerCount = ratchetStart + ratchetKey.count
            + ProtobufWriter.keyCount(field: 2) + ProtobufWriter.varintCount(UInt64(counter))
            + ProtobufWriter.keyCount(field: 3) + ProtobufWriter.varintCount(UInt64(previousCounter))
        let ciphertextStart = headerCount + ProtobufWriter.keyCount(field: 4) + ProtobufWriter.varintCount(UInt64(ciphertextCount))
        let total = ciphertextStart + ciphertextCount + WireLimits.macBytes
        var failure: CryptoError?
        let bytes = [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var cursor = ProtobufCursor(raw)
            cursor.put(version.byte)
            cursor.putBytesField(1, ratchetKey)
            cursor.putUIntField(2, UInt64(counter))
            cursor.putUIntField(3, UInt64(previousCounter))
            cursor.putKeyAndLength(4, ciphertextCount)
            do throws(CryptoError) {
                try encrypt(UnsafeMutableRawBufferPointer(rebasing: raw[ciphertextStart..<(ciphertextStart + ciphertextCount)]))
            } catch {
                failure = error
                count = 0
                return
            }
            let macStart = ciphertextStart + ciphertextCount
            mac(UnsafeRawBufferPointer(rebasing: raw[0..<macStart]), UnsafeMutableRawBufferPointer(rebasing: raw[macStart..<total]))
            count = total
        }
        if let failure { throw failure }
        self.version = version
        self.counter = counter
        self.previousCounter = previousCounter
        self.serialized = bytes
        self.ratchetKeyRange = ratchetStart..<(ratchetStart + ratchetKey.count)
        self.ciphertextRange = ciphertextStart..<(ciphertextStart + ciphertextCount)
    }

    /// Decodes and validates structure only (no MAC check). Unknown fields (libsignal's `pq_ratchet` and
    /// `addresses`) are skipped but stay covered by the MAC; duplicated known fields are refused.
    public init(serialized bytes: [UInt8]) throws {
        guard bytes.count > 1 + WireLimits.macBytes else {
            throw WireFormatError(.truncated, "SignalMessage needs more than 9 bytes, got \(bytes.count)")
        }
        guard bytes.count <= WireLimits.maxMessageBytes else {
            throw WireFormatError(.tooLarge, "SignalMessage of \(bytes.count) bytes exceeds \(WireLimits.maxMessageBytes)")
        }
        version = try MessageVersion(parsing: bytes[0])
        let parsed = bytes.withUnsafeBytes { raw in
            Result { () throws(WireFormatError) -> Fields in
                try Fields(UnsafeRawBufferPointer(rebasing: raw[1..<(raw.count - WireLimits.macBytes)]))
            }
        }
        let fields = try parsed.get()
        // Offsets are into the protobuf, which starts after the version byte.
        self.ratchetKeyRange = (1 + fields.ratchetKey.lowerBound)..<(1 + fields.ratchetKey.upperBound)
        self.counter = fields.counter
        self.previousCounter = fields.previousCounter
        self.ciphertextRange = (1 + fields.ciphertext.lowerBound)..<(1 + fields.ciphertext.upperBound)
        self.serialized = bytes
        try checkPublicKey(ratchetKeyBytes, field: "ratchet_key")
    }

    /// The protobuf fields, scanned in place (no copy of the key or the ciphertext).
    private struct Fields {
        var ratchetKey: Range<Int>, counter: UInt32, previousCounter: UInt32, ciphertext: Range<Int>

        init(_ protobuf: UnsafeRawBufferPointer) throws(WireFormatError) {
            var ratchetKey: Range<Int>?, counter: UInt32?, previousCounter: UInt32?, ciphertext: Range<Int>?
            var scanner = ProtobufScanner(protobuf)
            while let field = try scanner.next() {
                switch field.number {
                case 1:
                    guard ratchetKey == nil else { throw SignalMessage.duplicate(1) }
                    let bytes = try field.bytes()
                    ratchetKey = field.offset..<(field.offset + bytes.count)
                case 2:
                    guard counter == nil else { throw SignalMessage.duplicate(2) }
                    counter = try field.uint32()
                case 3:
                    guard previousCounter == nil else { throw SignalMessage.duplicate(3) }
                    previousCounter = try field.uint32()
                case 4:
                    guard ciphertext == nil else { throw SignalMessage.duplicate(4) }
                    let bytes = try field.bytes()
                    ciphertext = field.offset..<(field.offset + bytes.count)
                default:
                    continue
                }
            }
            guard let ratchetKey else { throw WireFormatError(.missingField, "SignalMessage lacks ratchet_key (1)") }
            guard let counter else { throw WireFormatError(.missingField, "SignalMessage lacks counter (2)") }
            guard let ciphertext else { throw WireFormatError(.missingField, "SignalMessage lacks ciphertext (4)") }
            (self.ratchetKey, self.counter, self.previousCounter, self.ciphertext) = (ratchetKey, counter, previousCounter ?? 0, ciphertext)
        }
    }

    static func duplicate(_ number: Int) -> WireFormatError {
        WireFormatError(.duplicateField, "field \(number) appears twice")
    }
}
