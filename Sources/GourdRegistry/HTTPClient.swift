import CGourdFetch
import Glibc
import GourdCore

/// GET requests through CGourdFetch (libcurl), with the TLS settings of the pull: the system
/// CA store unless SSL_CERT_FILE / SSL_CERT_DIR name others (as OpenSSL-based tools honour
/// them; libcurl itself does not read them), verification off only with --insecure, and
/// plain HTTP only with --nohttps. Proxies: libcurl reads https_proxy, HTTPS_PROXY and
/// NO_PROXY itself (libcurl-env(3)).
struct HTTPClient {
    struct Response {
        var status: Int
        /// Header names lowercased; the last value of a repeated header wins.
        var headers: [String: String]
        var errorBody: String
        var url: String

        func header(_ name: String) -> String? { headers[name] }
    }

    enum Failure: Error {
        /// No HTTP answer (DNS, TCP, TLS): curl's text.
        case transport(String)
        /// The sink refused the bytes (its own error is kept by the sink).
        case aborted
        /// A Range request got the whole body.
        case rangeIgnored
    }

    var insecure = false
    var caFile: String? = Self.environment("SSL_CERT_FILE")
    var caDirectory: String? = Self.environment("SSL_CERT_DIR")

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The body goes to `sink` (2xx only); false from it aborts the transfer.
    final class Sink {
        let body: (UnsafeRawBufferPointer) -> Bool
        init(_ body: @escaping (UnsafeRawBufferPointer) -> Bool) { self.body = body }
    }

    func get(
        _ url: String, headers: [String], userpwd: String? = nil, resumeFrom: Int64 = 0,
        sink: Sink
    ) -> Result<Response, Failure> {
        let headerStrings = headers.map { strdup($0) } + [nil]
        defer { for pointer in headerStrings { free(pointer) } }
        var response = gf_response()
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        let rc: Int32 = headerStrings.withUnsafeBufferPointer { headerPointer in
            withOptionalCString(userpwd) { userpwdPointer in
                withOptionalCString(caFile) { caFilePointer in
                    withOptionalCString(caDirectory) { caDirectoryPointer in
                        url.withCString { urlPointer in
                            headerPointer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: headerStrings.count) {
                                rebound in
                                var request = gf_request(
                                    url: urlPointer, headers: rebound, userpwd: userpwdPointer, cainfo: caFilePointer,
                                    capath: caDirectoryPointer, insecure: insecure ? 1 : 0, resume_from: resumeFrom,
                                    connect_timeout: 30, stall_timeout: 60,
                                    sink: { data, size, context in
                                        let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
                                        return sink.body(UnsafeRawBufferPointer(start: data, count: size)) ? size : 0
                                    },
                                    context: context.toOpaque())
                                return gf_perform(&request, &response)
                            }
                        }
                    }
                }
            }
        }
        switch rc {
        case 0: break
        case GF_ABORTED: return .failure(.aborted)
        case GF_RANGE_IGNORED: return .failure(.rangeIgnored)
        default: return .failure(.transport(Self.text(&response.error)))
        }
        var parsed: [String: String] = [:]
        for line in Self.text(&response.headers).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = String(line[line.index(after: colon)...]).trimmingCharactersSpace()
        }
        return .success(
            Response(
                status: response.status, headers: parsed, errorBody: Self.text(&response.error_body),
                url: Self.text(&response.effective_url)))
    }

    static func text<T>(_ tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}

extension String {
    func trimmingCharactersSpace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }.reversed())
    }
}
