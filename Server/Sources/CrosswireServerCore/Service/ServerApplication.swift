import CrosswireServerAPI
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
