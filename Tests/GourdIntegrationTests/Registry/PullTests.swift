import Foundation
import GourdCore
import Testing

/// `gourd pull`, `gourd exec docker://` and `Bootstrap: docker` against real registries on
/// 127.0.0.1 (Tests/Support/registry.sh): Debian's docker-registry with TLS from a test CA,
/// one with htpasswd basic auth, and fake-registry.py for what a registry should not do.
extension Integration {
    @Suite struct Pull {
        let registries = TestRegistries.shared

        init() throws {
            try #require(TestRegistries.shared.available, "no test registry: run `make test` (GOURD_TEST_REGISTRY_STATE)")
        }

        /// By tag and by digest; the config's run settings kept; the same manifest gives the
        /// same bytes in another cache and by another reference.
        @Test func pullByTagAndDigestIsReproducible() throws {
            let pull = PullDir("tag")
            let out = try pull.pull(["docker://\(registries.anon)/test/busybox:latest", "a.sqfs"])
            #expect(out.status == 0 && out.stderr.isEmpty, "\(out)")
            let probe = try pull.dir.sh("a.sqfs", "cat /etc/hello.txt; echo $GREETING")
            #expect(probe.lines == ["hello from the registry", "from-registry"], "\(probe)")
            #expect(try Gourd.run(["run", pull.dir.file("a.sqfs")]).stdout == "hello from the registry\n")
            let inspection = try pull.dir.inspect("a.sqfs")
            #expect(inspection.gourd?.labels == ["org.example.test": "registry"])
            #expect(inspection.gourd?.cmd == ["/bin/cat", "/etc/hello.txt"])
            let base = try #require(inspection.gourd?.bases?.first)
            #expect(base.source == "docker://\(registries.anon)/test/busybox")
            #expect(ImageReference.isDigest(base.digest))
            // The default name, by digest, in a second cache: byte-identical.
            let other = PullDir("digest")
            let byDigest = try other.pull(["docker://\(registries.anon)/test/busybox@\(base.digest)"])
            #expect(byDigest.status == 0, "\(byDigest)")
            let name = "busybox_\(base.digest.dropFirst(7).prefix(12)).sqfs"
            #expect(try sha256sum(other.dir.file(name)) == (try sha256sum(pull.dir.file("a.sqfs"))))
            // Default name NAME_TAG.sqfs; an existing output needs --force.
            #expect(try pull.pull(["docker://\(registries.anon)/test/busybox"]).status == 0)
            #expect(FileManager.default.fileExists(atPath: pull.dir.file("busybox_latest.sqfs")))
            let again = try pull.pull(["docker://\(registries.anon)/test/busybox", "a.sqfs"])
            #expect(again.status == GourdExit.launchFailed && again.stderr.contains("already exists (--force replaces it)"), "\(again)")
            #expect(try pull.pull(["--force", "docker://\(registries.anon)/test/busybox", "a.sqfs"]).status == 0)
            pull.expectClean()
            other.expectClean()
        }

        /// exec docker:// pulls once; the second launch reads the cache only (no request).
        @Test func execDockerUsesTheCache() throws {
            let pull = PullDir("exec")
            let ref = "docker://\(registries.anon)/test/busybox:other-tag"
            let first = try pull.gourd(["exec", ref, "cat", "/etc/hello.txt"])
            #expect(first.status == 0 && first.stdout == "hello from the registry\n", "\(first)")
            let before = registries.gets("/v2/test/busybox/")
            let second = try pull.gourd(["exec", ref, "sh", "-c", "echo $GREETING; pwd"])
            #expect(second.stdout == "from-registry\n\(pull.dir.path)\n", "\(second)")
            let run = try pull.gourd(["run", ref])
            #expect(run.stdout == "hello from the registry\n", "\(run)")
            #expect(registries.gets("/v2/test/busybox/") == before, "the cached launch asked the registry")
            let plan = try pull.gourd(["plan", ref, "true"])
            #expect(plan.status == 0 && plan.stdout.contains(pull.cache + "/images/"), "\(plan)")
            let uncached = try pull.gourd(["plan", "docker://\(registries.anon)/test/multi", "true"])
            #expect(uncached.status == GourdExit.launchFailed && uncached.stderr.contains("not in the cache"), "\(uncached)")
            let list = try pull.gourd(["cache", "list"])
            #expect(list.stdout.contains("\(registries.anon)/test/busybox:other-tag") && list.stdout.contains("1 image"), "\(list)")
            let clean = try pull.gourd(["cache", "clean", "--days", "1"])
            #expect(clean.stdout.hasPrefix("removed 0 entries"), "\(clean)")
            #expect(try pull.gourd(["cache", "clean"]).status == 0)
            #expect(pull.entries("images").isEmpty && pull.entries("blobs/sha256").isEmpty)
            pull.expectClean()
        }

        /// Bootstrap: docker applies layers like the archive agents (whiteouts, opaque dirs).
        @Test func bootstrapDocker() throws {
            let pull = PullDir("bootstrap")
            pull.dir.write(
                "r.def", "Bootstrap: docker\nFrom: \(registries.anon)/test/whiteouts:v1\n%post\n  echo \"$FROM_CONFIG\" > /post-saw-env\n")
            let out = try pull.dir.build(["img.sqfs", "r.def"], env: pull.env())
            #expect(out.status == 0, "\(out)")
            let probe = try pull.dir.sh(
                "img.sqfs",
                """
                cat /keep.txt /post-saw-env; ls /opaque; cat /replaced/inside /samelayer
                for f in /gone.txt /gone-dir /opaque/old1 /opaque/olddir; do test -e $f && echo "$f still there"; done
                """)
            #expect(probe.lines == ["layer2", "yes", "new", "now a directory", "kept"], "\(probe)")
            #expect(try Gourd.run(["run", pull.dir.file("img.sqfs"), "x"]).stdout == "entry x\n")
            pull.expectClean()
        }

        /// linux/amd64 by default (this host), --arch picks another, an absent one is refused.
        @Test func architectureSelection() throws {
            let pull = PullDir("arch")
            let ref = "docker://\(registries.anon)/test/multi"
            #expect(try pull.pull([ref, "host.sqfs"]).status == 0)
            #expect(try pull.dir.sh("host.sqfs", "cat /arch").stdout == OCIHost.arch + "\n")
            #expect(try pull.pull(["--arch", "arm64", ref, "arm.sqfs"]).status == 0)
            #expect(try pull.dir.sh("arm.sqfs", "cat /arch").stdout == "arm64\n")
            let none = try pull.pull(["--arch", "s390x", ref, "none.sqfs"])
            #expect(none.status == GourdExit.launchFailed, "\(none)")
            #expect(none.stderr.contains("no image for linux/s390x (the index offers: linux/amd64, linux/arm64/v8)"), "\(none)")
            pull.expectClean()
        }

        /// htpasswd basic auth: refused without credentials or with wrong ones; accepted from
        /// APPTAINER_DOCKER_USERNAME/PASSWORD and from a Docker config.json.
        @Test func basicAuth() throws {
            let pull = PullDir("basic")
            let ref = "docker://\(registries.auth)/private/busybox"
            let anonymous = try pull.pull([ref, "a.sqfs"])
            #expect(anonymous.status == GourdExit.launchFailed && anonymous.stderr.contains("authentication required"), "\(anonymous)")
            let wrong = try pull.pull([ref, "a.sqfs"], env: ["APPTAINER_DOCKER_USERNAME": "gourd", "APPTAINER_DOCKER_PASSWORD": "nope"])
            #expect(wrong.status == GourdExit.launchFailed && wrong.stderr.contains("authentication failed (HTTP 401)"), "\(wrong)")
            let env = try pull.pull([ref, "a.sqfs"], env: ["APPTAINER_DOCKER_USERNAME": "gourd", "APPTAINER_DOCKER_PASSWORD": "secret"])
            #expect(env.status == 0, "\(env)")
            let config = pull.dir.file("docker")
            mkdir(config, 0o755)
            Scratch.shared.chownToUser(config)
            let auth = Data("gourd:secret".utf8).base64EncodedString()
            pull.dir.write("docker/config.json", "{\"auths\": {\"\(registries.auth)\": {\"auth\": \"\(auth)\"}}}")
            let file = try pull.pull(["--force", ref, "a.sqfs"], env: ["DOCKER_CONFIG": config])
            #expect(file.status == 0, "\(file)")
            pull.expectClean()
        }

        /// The bearer-token flow: challenge, token from the realm with basic credentials, retry.
        @Test func bearerToken() throws {
            let pull = PullDir("token")
            let ref = "docker://\(registries.fake)/token/busybox"
            let denied = try pull.pull(["--nohttps", ref, "a.sqfs"])
            #expect(
                denied.status == GourdExit.launchFailed && denied.stderr.contains("authentication failed at the token server (HTTP 401)"),
                "\(denied)")
            let ok = try pull.pull(
                ["--nohttps", ref, "a.sqfs"], env: ["APPTAINER_DOCKER_USERNAME": "gourd", "APPTAINER_DOCKER_PASSWORD": "secret"])
            #expect(ok.status == 0, "\(ok)")
            pull.expectClean()
        }

        /// TLS: the registry's certificate is checked (the test CA through SSL_CERT_FILE);
        /// --insecure skips the check only when asked.
        @Test func tlsIsVerified() throws {
            let pull = PullDir("tls")
            let ref = "docker://\(registries.anon)/test/busybox"
            let untrusted = try pull.pull([ref, "a.sqfs"], env: ["SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"])
            #expect(untrusted.status == GourdExit.launchFailed && untrusted.stderr.contains("certificate"), "\(untrusted)")
            #expect(try pull.pull(["--insecure", ref, "a.sqfs"], env: ["SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"]).status == 0)
            pull.expectClean()
        }

        /// 16 pulls of one image into one cache at once: all succeed, each blob is downloaded
        /// once, one conversion.
        @Test func concurrentPullsDownloadEachBlobOnce() throws {
            let pull = PullDir("concurrent")
            let before = registries.gets("/v2/test/large/blobs/")
            let running = try (0..<16).map { i in
                try Gourd.start(
                    ["pull", "-q", "docker://\(registries.anon)/test/large", "out\(i).sqfs"], env: pull.env(), cwd: pull.dir.path)
            }
            let outcomes = try running.map { try $0.wait(timeout: 240) }
            for outcome in outcomes { #expect(outcome.status == 0, "\(outcome)") }
            #expect(registries.gets("/v2/test/large/blobs/") - before == 3, "config and two layers, once each")
            let sums = Set(try (0..<16).map { try sha256sum(pull.dir.file("out\($0).sqfs")) })
            #expect(sums.count == 1)
            #expect(pull.entries("images").count == 1)
            pull.expectClean()
        }

        /// A pull killed with SIGKILL mid-download leaves only a temporary, which the next pull
        /// of that blob continues with a Range request; the cache never holds a partial blob.
        @Test func killedPullIsCleanedByTheNext() throws {
            let pull = PullDir("kill")
            let slow = try Gourd.start(
                ["pull", "-q", "--nohttps", "docker://\(registries.fake)/slow/large", "a.sqfs"],
                env: pull.env(), cwd: pull.dir.path)
            var partial = false
            for _ in 0..<200 where !partial {
                usleep(50_000)
                partial = pull.entries("tmp").contains { name in
                    let size = (try? FileManager.default.attributesOfItem(atPath: pull.cache + "/tmp/" + name)[.size] as? Int) ?? 0
                    return size > 1 << 20
                }
            }
            #expect(partial, "no download in progress seen")
            slow.signal(SIGKILL)
            _ = try? slow.wait(timeout: 10)
            usleep(200_000)  // the download child dies of PR_SET_PDEATHSIG
            #expect(!pull.entries("tmp").isEmpty, "the killed pull left no temporary (the test proves nothing)")
            let blobsBefore = pull.entries("blobs/sha256")
            let again = try pull.pull(["--nohttps", "docker://\(registries.fake)/ok/large", "a.sqfs"])
            #expect(again.status == 0, "\(again)")
            let log = (try? String(contentsOfFile: registries.state + "/fake.log", encoding: .utf8)) ?? ""
            #expect(
                log.split(separator: "\n").contains { $0.hasPrefix("GET /v2/ok/large/blobs/") && !$0.hasSuffix(" -") },
                "the second pull did not resume with a Range request")
            #expect(pull.entries("blobs/sha256").count > blobsBefore.count)
            #expect(try pull.dir.sh("a.sqfs", "wc -c < /large.bin").stdout.trimmingCharacters(in: .whitespaces) == "\(24 << 20)\n")
            pull.expectClean()
        }

        /// Retries and resume: a 503 is retried; a connection dropped halfway continues with
        /// a Range request.
        @Test func retriesAndResume() throws {
            let pull = PullDir("retry")
            #expect(try pull.pull(["--nohttps", "docker://\(registries.fake)/flaky/busybox", "a.sqfs"]).status == 0)
            let short = try pull.pull(["--nohttps", "docker://\(registries.fake)/short/large", "b.sqfs"])
            #expect(short.status == 0, "\(short)")
            let log = (try? String(contentsOfFile: registries.state + "/fake.log", encoding: .utf8)) ?? ""
            #expect(
                log.split(separator: "\n").contains {
                    $0.hasPrefix("GET /v2/short/large/blobs/") && $0.hasSuffix("bytes=\(12 << 20)-")
                        || $0.contains("/v2/short/large/blobs/") && $0.contains("bytes=")
                },
                "no Range request: \(log.suffix(600))")
            pull.expectClean()
        }

        /// Proxies as libcurl reads them: http_proxy carries a plain-HTTP pull (to a host name
        /// that exists nowhere, so only the proxy can answer), no_proxy bypasses a dead one.
        @Test func proxies() throws {
            let pull = PullDir("proxy")
            let proxied = try pull.pull(
                ["--nohttps", "docker://registry.invalid/ok/busybox", "a.sqfs"],
                env: ["http_proxy": "http://\(registries.fake)"])
            #expect(proxied.status == 0, "\(proxied)")
            let log = (try? String(contentsOfFile: registries.state + "/fake.log", encoding: .utf8)) ?? ""
            #expect(log.contains("PROXY registry.invalid GET /v2/ok/busybox/manifests/latest"))
            let bypass = try pull.pull(
                ["--nohttps", "docker://\(registries.fake)/ok/busybox", "b.sqfs"],
                env: ["http_proxy": "http://127.0.0.1:1", "no_proxy": "127.0.0.1"])
            #expect(bypass.status == 0, "\(bypass)")
            let dead = try pull.pull(
                ["--nohttps", "docker://\(registries.fake)/ok/busybox:nosuch", "c.sqfs"],
                env: ["http_proxy": "http://127.0.0.1:1"])
            #expect(dead.status == GourdExit.launchFailed && dead.stderr.contains("127.0.0.1"), "\(dead)")
            pull.expectClean()
        }

        /// A launch of a local image never maps libcurl: gourd has no DT_NEEDED entry for it.
        @Test func localLaunchDoesNotLinkLibcurl() throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/readelf")
            process.arguments = ["-d", Gourd.env.gourd]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(text.contains("(NEEDED)") && !text.contains("libcurl") && !text.contains("libssl"), "\(text)")
        }

        static let badInputs: [(String, String)] = [
            ("missing/busybox", "not found (HTTP 404)"),
            ("ok/busybox:nosuchtag", "not found (HTTP 404)"),
            ("corrupt/busybox", "the downloaded bytes hash to sha256:"),
            ("truncate/busybox", "transfer closed with"),
            ("big/busybox", "the manifest is larger than 4 MiB: refused"),
            ("nest/busybox", "image indexes nest deeper than 4: refused"),
        ]

        /// A registry that is absent or lies: one line naming the reference and the cause,
        /// exit 125, no output and nothing corrupt in the cache.
        @Test(arguments: badInputs)
        func badRegistryAnswer(path: String, message: String) throws {
            let pull = PullDir("bad")
            let ref = "\(registries.fake)/\(path)"
            let out = try pull.pull(["--nohttps", "docker://\(ref)", "a.sqfs"])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr.hasPrefix("gourd: ") && out.stderr.contains(message), "\(out)")
            #expect(out.stderr.split(separator: "\n").count == 1, "\(out)")
            #expect(out.stderr.contains(String(path.split(separator: ":")[0])), "the message names the reference: \(out)")
            #expect(!FileManager.default.fileExists(atPath: pull.dir.file("a.sqfs")))
            #expect(pull.entries("images").isEmpty)
            // Every cached blob is what its name says.
            for blob in pull.entries("blobs/sha256") {
                #expect(try sha256sum(pull.cache + "/blobs/sha256/" + blob) == blob)
            }
            pull.expectClean()
        }

        /// A full disk: the cache on a 512 KiB tmpfs (mounted by the root runner) cannot take
        /// the 1 MiB layer: one line, exit 125, no temporary left, the tmpfs as empty as the
        /// directories gourd made.
        @Test func diskFull() throws {
            try #require(getuid() == 0, "needs the root runner to mount a small tmpfs")
            let pull = PullDir("full")
            mkdir(pull.cache, 0o755)
            #expect(mount("tmpfs", pull.cache, "tmpfs", 0, "size=512k,mode=0755,uid=\(Gourd.env.user.uid)") == 0)
            defer { umount2(pull.cache, Int32(MNT_DETACH)) }
            let out = try pull.pull(["docker://\(registries.anon)/test/busybox", "a.sqfs"])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr.contains("No space left on device") && out.stderr.split(separator: "\n").count == 1, "\(out)")
            #expect(pull.entries("tmp").isEmpty && pull.entries("images").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: pull.dir.file("a.sqfs")))
        }

        static let badReferences: [(String, String)] = [
            ("oras://example.org/x:1", "oras:// (OCI artifacts holding SIF files) is not supported"),
            ("library://alpine", "library:// (Sylabs library) is not supported"),
            ("docker://Upper/Case", "is not a valid repository name part"),
            ("docker://127.0.0.1:1/test/busybox", "127.0.0.1"),
        ]

        /// References gourd refuses before (or without) any answer: exit 125, one line.
        @Test(arguments: badReferences)
        func badReference(ref: String, message: String) throws {
            let pull = PullDir("badref")
            for args in [["pull", "-q", ref, "a.sqfs"], ["exec", ref, "true"]] {
                let out = try pull.gourd(args)
                #expect(out.status == GourdExit.launchFailed, "\(out)")
                #expect(out.stderr.contains(message) && out.stderr.split(separator: "\n").count == 1, "\(out)")
            }
            pull.expectClean()
        }
    }
}

/// This host's architecture as OCI names it.
enum OCIHost {
    static var arch: String {
        #if arch(x86_64)
            return "amd64"
        #else
            return "arm64"
        #endif
    }
}
