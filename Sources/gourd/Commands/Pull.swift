import ArgumentParser
import GourdBuild
import GourdCore
import GourdRegistry

extension Gourd {
    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pull an image from an OCI/Docker registry into the cache and write it as a squashfs file.",
            discussion: """
                REF as Docker writes it: alpine, alpine:3.20, user/repo:tag, host:5000/group/repo@sha256:... \
                (no registry: docker.io). Blobs are verified against their digests and kept in the cache \
                (GOURD_CACHEDIR, else $XDG_CACHE_HOME/gourd or ~/.cache/gourd; `gourd cache list`). \
                Credentials: APPTAINER_DOCKER_USERNAME/PASSWORD, else ~/.docker/config.json. Proxies: \
                HTTPS_PROXY/NO_PROXY. CA certificates: the system's, or SSL_CERT_FILE/SSL_CERT_DIR. \
                Exit status: 0; 125 when the pull failed (nothing is written).
                """)

        @Option(name: .customLong("arch"), help: "Platform of a multi-platform image: amd64, arm64, arm64/v8... (default: this host's).")
        var arch: String?
        @Flag(name: .customLong("force"), help: "Replace OUTPUT if it exists.")
        var force = false
        @Flag(name: .customLong("insecure"), help: "Do not verify the registry's TLS certificate.")
        var insecure = false
        @Flag(name: .customLong("nohttps"), help: "Talk plain HTTP to the registry (a local registry without TLS).")
        var noHTTPS = false
        @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No progress.")
        var quiet = false
        @Flag(name: .customLong("cache-only"), help: .hidden)
        var cacheOnly = false
        @Argument(help: "docker://REF") var reference: String
        @Argument(help: "The squashfs file to write (default: NAME_TAG.sqfs).") var output: String?

        func run() throws {
            var request = PullRequest(reference: reference, output: output, gourdVersion: Gourd.version)
            request.force = force
            request.cacheOnly = cacheOnly
            request.options.insecure = insecure
            request.options.noHTTPS = noHTTPS
            request.options.quiet = quiet
            do throws(BuildError) {
                if let arch {
                    do { request.options.platform = try PlatformChoice.parse(arch) } catch { throw BuildError(error.description) }
                }
                try PullRunner.run(request)
            } catch {
                FileHandle.standardError.write("gourd: \(error)\n")
                throw ExitCode(error.exitCode)
            }
        }
    }
}
