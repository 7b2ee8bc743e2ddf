/// What a device directory answered instead of doing what was asked (SPEC §12.8), with the HTTP status a
/// server gives for it. `mismatchedDevices` and `staleDevices` are answers the client recovers from
/// (refetch the list or the bundles, encrypt again); the others are failures.
public struct DirectoryError: CrosswireError {
    /// This family's codes.
    public typealias Code = ErrorCode<DirectoryError>
    public typealias Family = DirectoryError

    /// Which answer: match on this.
    public let code: Code
    /// What the directory said, for people.
    public let reason: String
    /// A transport or server error behind this one.
    public let underlying: (any Error)?
    /// With `mismatchedDevices`: listed devices the submission left out.
    public let missingDevices: [DeviceID]
    /// With `mismatchedDevices`: devices the submission named that are not listed.
    public let extraDevices: [DeviceID]
    /// With `staleDevices`: devices whose registration id changed (re-installed) since their bundle.
    public let staleDevices: [DeviceID]

    /// An error with this code and reason.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
        self.init(code, reason, underlying: underlying, missing: [], extra: [], stale: [])
    }

    /// An error with its device payloads.
    public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil, missing: [DeviceID] = [], extra: [DeviceID] = [],
                stale: [DeviceID] = []) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
        missingDevices = missing
        extraDevices = extra
        staleDevices = stale
    }

    /// The HTTP status a server answers with.
    public var httpStatus: Int {
        switch code {
        case .mismatchedDevices: 409
        case .staleDevices: 410
        case .notFound: 404
        case .unauthorized: 403
        case .rateLimited: 429
        case .invalidRequest: 400
        default: 503
        }
    }
}

extension ErrorCode where Family == DirectoryError {
    /// 409: the submission does not cover exactly the listed devices of the account.
    public static let mismatchedDevices = Self("mismatchedDevices")
    /// 410: some devices were re-installed (their registration id changed).
    public static let staleDevices = Self("staleDevices")
    /// 404: no such account or device.
    public static let notFound = Self("notFound")
    /// 403: the caller may not do this (another device's queue, a list not signed by the account's primary).
    public static let unauthorized = Self("unauthorized")
    /// 429: too many requests (bundle fetches are limited).
    public static let rateLimited = Self("rateLimited")
    /// 400: a malformed or oversized request.
    public static let invalidRequest = Self("invalidRequest")
    /// 503: the directory or its storage is unavailable.
    public static let unavailable = Self("unavailable")
}
