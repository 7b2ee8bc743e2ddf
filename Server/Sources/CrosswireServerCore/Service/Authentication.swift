import Crosswire
import CrosswireCrypto
import HTTPTypes
import OpenAPIRuntime

/// The device a request's bearer token belongs to, for the handlers of that request.
public enum Caller {
    @TaskLocal public static var device: DeviceAddress?

    /// The authenticated device, or 401.
    static func required() throws(APIFailure) -> DeviceAddress {
        guard let device else { throw .unauthorized("this operation needs a device credential (Authorization: Bearer …)") }
        return device
    }
}

/// Resolves `Authorization: Bearer TOKEN` to a device through the storage (tokens are kept as
/// SHA-256 hashes) before the handler runs; operations that need no credential pass through, a wrong
/// token is 401 for every operation.
public struct AuthenticationMiddleware: ServerMiddleware {
    let storage: any DirectoryStorage
    static let open: Set<String> = ["registerAccount", "getTrustRoot", "requestLink", "getLinkApproval", "sendMessages"]
    /// What a linked device may do before the primary publishes the list that names it.
    static let beforeListing: Set<String> = ["putLinkAttestation", "getDeviceList", "getTrustRoot"]

    public init(storage: any DirectoryStorage) { self.storage = storage }

    static func hash(_ token: String) -> [UInt8] { SHA256Hash.hash(Array(token.utf8)) }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let header = request.headerFields[.authorization] else {
            if Self.open.contains(operationID) { return try await next(request, body, metadata) }
            throw APIFailure.unauthorized("\(operationID) needs a device credential (Authorization: Bearer …)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", parts[1].count <= 128 else {
            throw APIFailure.unauthorized("the Authorization header is not a bearer token")
        }
        let found: (user: String, device: Int, identity: [UInt8])?
        do {
            found = try await storage.device(forCredential: Self.hash(String(parts[1])))
        } catch {
            throw APIFailure.storage(error)
        }
        guard let found, let user = try? UserAddress(parsing: found.user), (1...127).contains(found.device),
              let address = try? DeviceAddress(user: user, device: DeviceID(UInt32(found.device))) else {
            throw APIFailure.unauthorized("unknown credential")
        }
        // The credential is good only while its device is listed with the identity it was issued for; a
        // companion approved but not yet listed may only countersign and read lists.
        if !Self.beforeListing.contains(operationID) {
            let account: (AccountRow, [DeviceRow])?
            do {
                account = try await storage.account(found.user)
            } catch {
                throw APIFailure.storage(error)
            }
            guard let devices = account?.1, devices.contains(where: { $0.device == found.device && $0.identityKey == found.identity }) else {
                throw APIFailure.unauthorized("this credential's device is not listed with its identity")
            }
        }
        return try await Caller.$device.withValue(address) { try await next(request, body, metadata) }
    }
}
