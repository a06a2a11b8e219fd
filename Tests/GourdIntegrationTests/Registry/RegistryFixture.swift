import Foundation
import Testing

/// The registries Tests/Support/registry.sh started for this run (make test passes its state
/// directory as GOURD_TEST_REGISTRY_STATE): host:port of each, and the test CA.
struct TestRegistries {
    static let shared = TestRegistries()

    let state: String
    let values: [String: String]

    init() {
        state = ProcessInfo.processInfo.environment["GOURD_TEST_REGISTRY_STATE"] ?? ""
        var values: [String: String] = [:]
        let text = (try? String(contentsOfFile: state + "/env", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        self.values = values
    }

    var available: Bool { values["GOURD_TEST_REGISTRY"] != nil }
    /// TLS, anonymous: test/busybox:latest and :other-tag, test/multi, test/large, test/whiteouts:v1.
    var anon: String { values["GOURD_TEST_REGISTRY"] ?? "127.0.0.1:1" }
    /// TLS, htpasswd (gourd / secret): private/busybox:latest.
    var auth: String { values["GOURD_TEST_REGISTRY_AUTH"] ?? "127.0.0.1:1" }
    /// Plain HTTP, fake-registry.py: MODE/IMAGE.
    var fake: String { values["GOURD_TEST_REGISTRY_FAKE"] ?? "127.0.0.1:1" }
    var ca: String { values["GOURD_TEST_REGISTRY_CA"] ?? "/nonexistent" }

    /// The anonymous registry's access log lines for GET requests whose path starts with `prefix`.
    func gets(_ prefix: String, log: String = "anon.log") -> Int {
        let text = (try? String(contentsOfFile: state + "/" + log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains("\"GET \(prefix)") || $0.hasPrefix("GET \(prefix)") }.count
    }
}

/// A BuildDir with a pull cache of its own inside it.
struct PullDir {
    let dir: BuildDir
    let cache: String

    init(_ name: String) {
        dir = BuildDir("pull-" + name)
        cache = dir.file("cache")
    }

    var registries: TestRegistries { .shared }

    func env(_ extra: [String: String] = [:]) -> [String: String] {
        ["GOURD_CACHEDIR": cache, "SSL_CERT_FILE": registries.ca, "TMPDIR": dir.tmp].merging(extra) { _, new in new }
    }

    func gourd(_ args: [String], env extra: [String: String] = [:], timeout: Double = 120) throws -> Outcome {
        try Gourd.run(args, env: env(extra), cwd: dir.path, timeout: timeout)
    }

    func pull(_ args: [String], env extra: [String: String] = [:]) throws -> Outcome {
        try gourd(["pull", "-q"] + args, env: extra)
    }

    func entries(_ sub: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cache + "/" + sub)) ?? []).sorted()
    }

    /// Nothing half-written: no temporaries in the cache, no partial output, no workspace.
    func expectClean(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(entries("tmp").isEmpty, "temporaries left in the cache: \(entries("tmp"))", sourceLocation: sourceLocation)
        #expect(
            entries("images").filter { $0.contains("gourd-tmp") }.isEmpty, "partial image: \(entries("images"))",
            sourceLocation: sourceLocation)
        dir.expectClean(sourceLocation: sourceLocation)
    }
}
