import CrosswireWire

/// The outer form both certificate types share (SPEC §13.1): `{1 certificate, 2 signature}`, the
/// signature over the inner bytes.
enum SignedCertificate {
    /// `{1 certificate, 2 signature}`.
    static func join(certificate: [UInt8], signature: [UInt8]) -> [UInt8] {
        var writer = ProtobufWriter(reservingCapacity: certificate.count + 72)
        writer.appendBytes(field: 1, certificate)
        writer.appendBytes(field: 2, signature)
        return writer.bytes
    }

    /// The inner certificate bytes and the signature; either missing is `invalidMessage`.
    static func split(_ bytes: [UInt8], _ what: String) throws(SealedSenderError) -> (certificate: [UInt8], signature: [UInt8]) {
        try SealedSenderError.decode(what) { () throws -> ([UInt8], [UInt8]) in
            var reader = ProtobufReader(bytes)
            var certificate: [UInt8]?, signature: [UInt8]?
            while let field = try reader.next() {
                switch field.number {
                case 1: certificate = try field.value.bytes(field: 1)
                case 2: signature = try field.value.bytes(field: 2)
                default: continue
                }
            }
            guard let certificate, let signature else { throw WireFormatError(.missingField, "a \(what) has certificate and signature") }
            return (certificate, signature)
        }
    }
}
