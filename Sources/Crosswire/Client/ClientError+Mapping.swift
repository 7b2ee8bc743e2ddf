extension ClientError {
    /// Runs a step of another layer, mapping its error to the client's family (kept as `underlying`).
    static func wrap<T>(_ body: () throws -> T) throws(ClientError) -> T {
        do {
            return try body()
        } catch {
            throw mapping(error)
        }
    }

    /// The same for an async step.
    nonisolated(nonsending) static func wrapAsync<T>(_ body: () async throws -> T) async throws(ClientError) -> T {
        do {
            return try await body()
        } catch {
            throw mapping(error)
        }
    }

    /// The client error for a lower layer's error.
    static func mapping(_ error: any Error) -> ClientError {
        switch error {
        case let error as ClientError: return error
        case let error as DirectoryError:
            return ClientError(.directoryFailure, "\(error.code) (\(error.httpStatus)): \(error.reason)", underlying: error)
        case let error as DeviceListError: return ClientError(.deviceListRefused, "\(error.code): \(error.reason)", underlying: error)
        case let error as GroupStateError: return ClientError(.groupStateRefused, "\(error.code): \(error.reason)", underlying: error)
        case let error as EnvelopeError: return ClientError(.invalidContent, "\(error.code): \(error.reason)", underlying: error)
        case let error as AddressError: return ClientError(.invalidArgument, "\(error.code): \(error.reason)", underlying: error)
        case let error as SessionError:
            // A body's or a store's error comes through the cipher as storeFailure.
            if error.code == .storeFailure, let inner = error.underlying { return mapping(inner) }
            if error.code == .untrustedIdentity { return ClientError(.untrustedIdentity, error.reason, underlying: error) }
            return ClientError(.decryptionFailed, "\(error.code): \(error.reason)", underlying: error)
        case let error as GroupError:
            if error.code == .storeFailure, let inner = error.underlying { return mapping(inner) }
            return ClientError(.decryptionFailed, "\(error.code): \(error.reason)", underlying: error)
        case let error as SealedSenderError: return ClientError(.sealedSenderRefused, "\(error.code): \(error.reason)", underlying: error)
        case let error as FingerprintError: return ClientError(.invalidArgument, error.reason, underlying: error)
        default: return ClientError(.storeFailure, "\(error)", underlying: error)
        }
    }

    /// A receive's failure: what a body or a content rule threw comes out as its own error, wrapped
    /// by the cipher's `storeFailure` or not.
    static func receiving(_ error: any Error, from sender: DeviceAddress) -> ClientError {
        if let user = MissingDeviceList.find(in: error) {
            return ClientError(.groupStateRefused, "from \(sender): a group state signed by \(user), whose list is not here",
                               underlying: MissingDeviceList(user: user))
        }
        let mapped = mapping(error)
        return ClientError(mapped.code, "from \(sender): \(mapped.reason)", underlying: mapped.underlying ?? error)
    }
}
