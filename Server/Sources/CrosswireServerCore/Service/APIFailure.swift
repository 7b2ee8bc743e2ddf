import Foundation
import HTTPTypes
import OpenAPIRuntime

/// A refusal with its HTTP status and a Problem body (`{code, reason}` and, for 409/410, the devices):
/// what every handler throws instead of building each operation's error case.
public struct APIFailure: Error, Sendable, HTTPResponseConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let reason: String
    public var missing: [Int]? = nil
    public var extra: [Int]? = nil
    public var stale: [Int]? = nil

    public init(_ status: HTTPResponse.Status, _ code: String, _ reason: String) {
        self.status = status
        self.code = code
        self.reason = reason
    }

    public static func badRequest(_ code: String, _ reason: String) -> APIFailure { APIFailure(.badRequest, code, reason) }
    public static func unauthorized(_ reason: String) -> APIFailure { APIFailure(.unauthorized, "unauthorized", reason) }
    public static func forbidden(_ reason: String) -> APIFailure { APIFailure(.forbidden, "forbidden", reason) }
    public static func notFound(_ reason: String) -> APIFailure { APIFailure(.notFound, "notFound", reason) }
    public static func conflict(_ code: String, _ reason: String) -> APIFailure { APIFailure(.conflict, code, reason) }

    public var httpStatus: HTTPResponse.Status { status }
    public var httpHeaderFields: HTTPFields { [.contentType: "application/json"] }
    public var httpBody: HTTPBody? {
        var object: [String: Any] = ["code": code, "reason": reason]
        if let missing { object["missing"] = missing }
        if let extra { object["extra"] = extra }
        if let stale { object["stale"] = stale }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return HTTPBody([UInt8](data))
    }

    /// The failure for a storage error: `unavailable` is the one 503.
    static func storage(_ error: StorageError) -> APIFailure {
        switch error.code {
        case .unavailable: APIFailure(.serviceUnavailable, "unavailable", "storage is unavailable; retry")
        case .exists: APIFailure(.conflict, "exists", error.reason)
        case .conflict: APIFailure(.conflict, "changed", error.reason)
        case .queueFull: APIFailure(.tooManyRequests, "queueFull", error.reason)
        }
    }
}

/// Turns every error into its response: an `APIFailure` as itself, a request that did not decode into
/// 400, storage down into 503. No request content produces a 5xx.
public struct ProblemMiddleware: ServerMiddleware {
    public init() {}

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch {
            let failure: APIFailure
            if let direct = error as? APIFailure {
                failure = direct
            } else if let server = error as? ServerError {
                if let api = server.underlyingError as? APIFailure {
                    failure = api
                } else if let storage = server.underlyingError as? StorageError {
                    failure = .storage(storage)
                } else if server.operationInput == nil || server.httpStatus.kind == .clientError {
                    // The request never became an operation's input: malformed JSON, a missing field, a bad parameter.
                    failure = .badRequest("invalidRequest", "\(operationID): \(server.causeDescription)")
                } else {
                    failure = APIFailure(.internalServerError, "internal", "\(operationID) failed")
                }
            } else {
                failure = APIFailure(.internalServerError, "internal", "\(operationID) failed")
            }
            return (HTTPResponse(status: failure.status, headerFields: failure.httpHeaderFields), failure.httpBody)
        }
    }
}
