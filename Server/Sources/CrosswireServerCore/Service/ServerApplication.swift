import CrosswireServerAPI
import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// The HTTP application: the generated routes over a `DirectoryService`, with the problem and
/// authentication middlewares, and a cap on every request body.
public enum ServerApplication {
    /// The largest request body: a submission of 32 envelopes of 256 KiB travels base64-encoded.
    public static let maximumBodyCount = 12 * 1024 * 1024

    /// The router for `service`.
    public static func router(_ service: DirectoryService, storage: any DirectoryStorage) throws -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: MethodNotAllowedMiddleware())
        router.add(middleware: BodyLimitMiddleware(limit: maximumBodyCount))
        try service.registerHandlers(on: router, middlewares: [ProblemMiddleware(), AuthenticationMiddleware(storage: storage)])
        return router
    }

    /// An application on `host:port`.
    public static func application(_ service: DirectoryService, storage: any DirectoryStorage, host: String = "127.0.0.1", port: Int) throws -> some ApplicationProtocol {
        Application(router: try router(service, storage: storage), configuration: .init(address: .hostname(host, port: port), serverName: "crosswire-server"))
    }
}

/// 413 for a body over the limit, before any handler reads it.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            return Self.tooLarge(limit)
        }
        var request = request
        do {
            let buffer = try await request.body.collect(upTo: limit)
            request.body = RequestBody(buffer: buffer)
        } catch {
            return Self.tooLarge(limit)
        }
        return try await next(request, context)
    }

    static func tooLarge(_ limit: Int) -> Response {
        Response(status: .contentTooLarge, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"code\":\"tooLarge\",\"reason\":\"a request body is at most \(limit) bytes\"}")))
    }
}

/// 405 with `Allow` for a path of the API asked with a method it does not have (the router alone says 404).
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The paths of `openapi.yaml` (a path parameter is one segment) and their methods.
    static var routes: [([String], [HTTPRequest.Method])] {
        [(["v1", "accounts"], [.post]), (["v1", "trust-root"], [.get]), (["v1", "links"], [.post]), (["v1", "links", "*"], [.get]),
         (["v1", "links", "*", "approval"], [.get, .put]), (["v1", "links", "*", "attestation"], [.get, .put]),
         (["v1", "users", "*", "devices"], [.get, .put]), (["v1", "users", "*", "bundles"], [.get]), (["v1", "keys"], [.put]),
         (["v1", "certificate"], [.get]), (["v1", "messages", "*"], [.put]), (["v1", "messages"], [.get]),
         (["v1", "messages", "acknowledgements"], [.post])]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // An unmatched route is thrown, not answered.
            guard let allowed = Self.methods(for: request) else { throw error }
            return Self.notAllowed(request, allowed)
        }
        guard response.status == .notFound, let allowed = Self.methods(for: request) else { return response }
        return Self.notAllowed(request, allowed)
    }

    /// The other methods the API has at this path, `nil` when it has this one or the path is unknown.
    static func methods(for request: Request) -> [HTTPRequest.Method]? {
        let segments = request.uri.path.split(separator: "/").map(String.init)
        let matching = Self.routes.filter { pattern, _ in
            pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0 == "*" || $0 == $1 }
        }
        // A literal path wins over a parameter in the same place (`/v1/messages/acknowledgements`).
        let literal = matching.filter { !$0.0.contains("*") }
        let allowed = (literal.isEmpty ? matching : literal).flatMap(\.1)
        guard !allowed.isEmpty, !allowed.contains(request.method) else { return nil }
        return allowed
    }

    static func notAllowed(_ request: Request, _ allowed: [HTTPRequest.Method]) -> Response {
        Response(status: .methodNotAllowed,
                        headers: [.contentType: "application/json", .allow: allowed.map(\.rawValue).joined(separator: ", ")],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"code\":\"methodNotAllowed\",\"reason\":\"\(request.method.rawValue) is not an operation of \(request.uri.path)\"}")))
    }
}
