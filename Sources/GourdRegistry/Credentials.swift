import Glibc
import GourdCore
import GourdRuntime

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A user name and password (or token) for a registry, from where Apptainer users keep them:
/// APPTAINER_DOCKER_USERNAME / APPTAINER_DOCKER_PASSWORD (and the SINGULARITY_ spellings),
/// then the `auths` of Docker's config.json ($DOCKER_CONFIG/config.json, else
/// ~/.docker/config.json; `docker login` and `skopeo login` write it). Credential helpers
/// (credsStore) are not run.
struct Credentials: Equatable {
    var username: String
    var password: String

    var basic: String { "\(username):\(password)" }

    static func find(registry: String) -> Credentials? {
        let env = { (name: String) in getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } }
        for prefix in ["APPTAINER", "SINGULARITY"] {
            if let user = env("\(prefix)_DOCKER_USERNAME"), let password = env("\(prefix)_DOCKER_PASSWORD") {
                return Credentials(username: user, password: password)
            }
        }
        let directory = env("DOCKER_CONFIG") ?? ((env("HOME") ?? "/") + "/.docker")
        guard let bytes = try? Syscall.readFile(directory + "/config.json", limit: 4 << 20).get() else { return nil }
        return fromDockerConfig(bytes, registry: registry)
    }

    private struct DockerConfig: Decodable {
        struct Auth: Decodable {
            var auth: String?
            var username: String?
            var password: String?
        }
        var auths: [String: Auth]?
    }

    /// The entry for `registry` ("docker.io" is also found as Docker Hub's historic keys).
    static func fromDockerConfig(_ bytes: [UInt8], registry: String) -> Credentials? {
        guard let config = try? JSONDecoder().decode(DockerConfig.self, from: Data(bytes)), let auths = config.auths else { return nil }
        var keys = [registry, "https://\(registry)", "http://\(registry)", "https://\(registry)/v1/", "https://\(registry)/v2/"]
        if registry == "docker.io" {
            keys += ["https://index.docker.io/v1/", "index.docker.io", "registry-1.docker.io"]
        }
        for key in keys {
            guard let entry = auths[key] else { continue }
            if let user = entry.username, let password = entry.password { return Credentials(username: user, password: password) }
            if let encoded = entry.auth, let data = Data(base64Encoded: encoded),
                let colon = data.firstIndex(of: UInt8(ascii: ":"))
            {
                return Credentials(
                    username: String(decoding: data[..<colon], as: UTF8.self),
                    password: String(decoding: data[data.index(after: colon)...], as: UTF8.self))
            }
        }
        return nil
    }
}
