import Crypto
import Glibc
import GourdCore
import GourdFormats

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One repository of one registry, as the OCI distribution spec serves it: manifests and
/// blobs under /v2/NAME/, anonymous, bearer-token or basic authentication, retries.
///
/// Authentication follows the registry's WWW-Authenticate challenge (distribution's token
/// spec): `Bearer realm=...,service=...,scope=...` -> GET the realm (with basic credentials
/// when the user has some) -> `Authorization: Bearer TOKEN` on the retried request;
/// `Basic` -> the user's credentials. Failures are retried with backoff (0.5, 1, 2, 4 s) on
/// 429, 5xx and dropped connections.
final class RegistryClient {
    let reference: ImageReference
    let http: HTTPClient
    let credentials: Credentials?
    let scheme: String
    /// What is sent as Authorization once a challenge was answered.
    private var authorization: String?
    private var basic: String?
    let what: String

    init(reference: ImageReference, options: PullOptions) {
        self.reference = reference
        http = HTTPClient(insecure: options.insecure)
        credentials = Credentials.find(registry: reference.registry)
        scheme = options.noHTTPS ? "http" : "https"
        what = reference.description
    }

    var base: String { "\(scheme)://\(reference.host)/v2/\(reference.repository)" }

    static let attempts = 5

    /// One GET with authentication and retries. `sink` gets 2xx bodies (restartable: it is
    /// told the offset a retry starts from and may ask to resume).
    func get(_ url: String, accept: [String], sink: ResumableSink) throws(RegistryError) -> HTTPClient.Response {
        var challenged = false
        var attempt = 0
        while true {
            attempt += 1
            var headers = accept.isEmpty ? [] : ["Accept: " + accept.joined(by: ", ")]
            if let authorization { headers.append("Authorization: " + authorization) }
            let offset = sink.resumeOffset
            // Not resuming: whatever an earlier attempt received is dropped.
            if offset == 0 { sink.reset() }
            let result = http.get(
                url, headers: headers, userpwd: authorization == nil ? basic : nil, resumeFrom: offset,
                sink: HTTPClient.Sink { sink.write($0) })
            switch result {
            case .success(let response):
                if (200...299).contains(response.status) { return response }
                if response.status == 401, !challenged {
                    challenged = true
                    try answer(response)
                    attempt -= 1
                    continue
                }
                if response.status == 429 || (500...599).contains(response.status), attempt < Self.attempts {
                    sink.reset()
                    backoff(attempt)
                    continue
                }
                throw RegistryError(what, describe(response))
            case .failure(.aborted):
                if let error = sink.error { throw error }
                throw RegistryError(what, "the download was stopped")
            case .failure(.rangeIgnored):
                sink.reset()
                sink.resumable = false
                attempt -= 1
            case .failure(.transport(let text)):
                guard attempt < Self.attempts else { throw RegistryError(what, "\(reference.host): \(text)") }
                // A dropped connection mid-blob continues where it stopped (Range).
                backoff(attempt)
            }
        }
    }

    func backoff(_ attempt: Int) {
        var delay = timespec(tv_sec: 0, tv_nsec: 500_000_000)
        for _ in 1..<attempt {
            delay =
                delay.tv_nsec >= 500_000_000
                ? timespec(tv_sec: delay.tv_sec * 2 + 1, tv_nsec: 0) : timespec(tv_sec: delay.tv_sec * 2, tv_nsec: 0)
        }
        var rest = timespec()
        while nanosleep(&delay, &rest) != 0, errno == EINTR { delay = rest }
    }

    func describe(_ response: HTTPClient.Response) -> String {
        let detail = Self.registryMessage(response.errorBody).map { " (\($0))" } ?? ""
        switch response.status {
        case 401: return "authentication failed (HTTP 401)\(detail): check APPTAINER_DOCKER_USERNAME/PASSWORD or ~/.docker/config.json"
        case 403: return "access denied (HTTP 403)\(detail)"
        case 404: return "not found (HTTP 404)\(detail): no such repository, tag or digest"
        case 429: return "the registry refuses more requests (HTTP 429, too many requests)"
        default: return "the registry answered HTTP \(response.status)\(detail)"
        }
    }

    /// The first "message" of a distribution-spec error body.
    static func registryMessage(_ body: String) -> String? {
        struct Errors: Decodable {
            struct Entry: Decodable {
                var code: String?
                var message: String?
            }
            var errors: [Entry]?
        }
        guard let errors = try? JSONDecoder().decode(Errors.self, from: Data(body.utf8)), let first = errors.errors?.first else {
            return nil
        }
        return [first.code, first.message].compactMap { $0 }.joined(by: ": ")
    }

    /// Answers a 401's challenge: fetches a bearer token, or switches to basic auth.
    func answer(_ response: HTTPClient.Response) throws(RegistryError) {
        guard let header = response.header("www-authenticate"), let challenge = AuthChallenge.parse(header) else {
            throw RegistryError(what, "authentication required (HTTP 401) and the registry names no scheme")
        }
        switch challenge.scheme {
        case "basic":
            guard let credentials else {
                throw RegistryError(
                    what,
                    "authentication required (HTTP 401): set APPTAINER_DOCKER_USERNAME and APPTAINER_DOCKER_PASSWORD or log in with `skopeo login`/`docker login`"
                )
            }
            basic = credentials.basic
        case "bearer":
            authorization = "Bearer " + (try token(challenge))
        default:
            throw RegistryError(what, "the registry asks for '\(challenge.scheme)' authentication, which gourd does not speak")
        }
    }

    /// GET realm?service=...&scope=repository:NAME:pull, with basic credentials when known.
    func token(_ challenge: AuthChallenge) throws(RegistryError) -> String {
        guard let realm = challenge.parameters["realm"], realm.hasPrefix("https://") || (realm.hasPrefix("http://") && scheme == "http")
        else {
            throw RegistryError(what, "the registry's token realm is missing or not https: \(challenge.parameters["realm"] ?? "none")")
        }
        var query: [String] = []
        if let service = challenge.parameters["service"] { query.append("service=" + Self.escape(service)) }
        query.append("scope=" + Self.escape(challenge.parameters["scope"] ?? "repository:\(reference.repository):pull"))
        let url = realm + (realm.contains("?") ? "&" : "?") + query.joined(by: "&")
        var attempt = 0
        while true {
            attempt += 1
            let body = MemorySink(limit: 1 << 20)
            let result = http.get(url, headers: [], userpwd: credentials?.basic, sink: HTTPClient.Sink { body.write($0) })
            switch result {
            case .success(let response) where (200...299).contains(response.status):
                struct Token: Decodable {
                    var token: String?
                    /// OAuth 2's name for it, which some token servers send instead.
                    var accessToken: String?
                    enum CodingKeys: String, CodingKey {
                        case token
                        case accessToken = "access_token"
                    }
                }
                guard let decoded = try? JSONDecoder().decode(Token.self, from: Data(body.bytes)),
                    let token = decoded.token ?? decoded.accessToken, !token.isEmpty
                else {
                    throw RegistryError(what, "the token server \(realm) sent no token")
                }
                return token
            case .success(let response):
                if response.status == 429 || response.status >= 500, attempt < Self.attempts {
                    backoff(attempt)
                    continue
                }
                let detail = Self.registryMessage(response.errorBody).map { " (\($0))" } ?? ""
                if response.status == 401 || response.status == 403 {
                    throw RegistryError(what, "authentication failed at the token server (HTTP \(response.status))\(detail)")
                }
                throw RegistryError(what, "the token server \(realm) answered HTTP \(response.status)\(detail)")
            case .failure(.transport(let text)):
                if attempt < Self.attempts {
                    backoff(attempt)
                    continue
                }
                throw RegistryError(what, "token server: \(text)")
            case .failure:
                throw RegistryError(what, "the token from \(realm) is larger than 1 MiB")
            }
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(UnicodeScalar(byte))
            if c.isLetter && byte < 128 || c.isNumber && byte < 128 || "-_.~".contains(c) {
                out.append(c)
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// The manifest (or index) `reference` names: its bytes, checked against the digest when
    /// it is one, and its digest.
    func manifest(_ ref: String) throws(RegistryError) -> (bytes: [UInt8], contentType: String?, digest: String) {
        let body = MemorySink(limit: RegistryManifest.sizeLimit)
        let response: HTTPClient.Response
        do {
            response = try get("\(base)/manifests/\(ref)", accept: RegistryManifest.accepted, sink: body)
        } catch {
            if body.overflow { throw RegistryError(what, "the manifest is larger than \(RegistryManifest.sizeLimit >> 20) MiB: refused") }
            throw error
        }
        let digest = "sha256:" + Hex.encode(SHA256.hash(data: body.bytes))
        if ImageReference.isDigest(ref), digest != ref {
            throw RegistryError(what, "the manifest the registry sent for \(ref) hashes to \(digest): refused")
        }
        return (body.bytes, response.header("content-type"), digest)
    }
}

/// Where a response body goes; a download to a file can resume after a dropped connection.
class ResumableSink {
    var error: RegistryError?
    var resumable = true
    /// Where a retry starts (0: from the beginning).
    var resumeOffset: Int64 { 0 }
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool { true }
    /// Drop what was received (the next attempt starts from 0).
    func reset() {}
}

/// A small body (manifest, token) kept in memory, up to `limit` bytes.
final class MemorySink: ResumableSink {
    var bytes: [UInt8] = []
    let limit: Int
    var overflow = false

    init(limit: Int) { self.limit = limit }

    override func write(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count + chunk.count <= limit else {
            overflow = true
            return false
        }
        bytes.append(contentsOf: chunk)
        return true
    }

    override func reset() { bytes.removeAll() }
}
