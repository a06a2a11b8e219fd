import Foundation
import GourdCore
import Testing

/// A site policy in a scratch directory, passed to gourd as GOURD_SYSCONFDIR.
struct SitePolicy {
    let directory: String
    var file: String { directory + "/policy.toml" }
    var env: [String: String] { ["GOURD_SYSCONFDIR": directory] }

    init(_ text: String) {
        directory = Scratch.shared.directory("policy")
        try! text.write(toFile: directory + "/policy.toml", atomically: false, encoding: .utf8)
        chmod(directory + "/policy.toml", 0o644)
    }
}

extension Integration {
    @Suite struct Policy {
        init() {
            #expect(
                !FileManager.default.fileExists(atPath: "/etc/gourd/policy.toml"),
                "these tests need a host without a site policy in /etc/gourd")
        }

        @Test func syntaxErrorRefusesToRunNamingFileAndLine() throws {
            let policy = SitePolicy("[binds]\ndeny = [\"/etc/shadow\"\n")
            let out = try Gourd.sh("echo ran", env: policy.env)
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stdout.isEmpty, "\(out)")
            #expect(out.stderr.contains("policy \(policy.file):2:"), "\(out)")
            #expect(out.stderr.contains("refuses to run"), "\(out)")
            expectNothingLeft()
        }

        @Test func malformedTOMLIsAnErrorNotACrash() throws {
            let out = try Gourd.sh("echo ran", env: SitePolicy("[[[ bad").env)
            #expect(out.status == GourdExit.launchFailed && out.stderr.contains(":1:"), "\(out)")
        }

        @Test func unknownKeyAndBadValueNameTheKey() throws {
            let policy = SitePolicy("[images]\nallow_dir = [\"/x\"]\n")
            let out = try Gourd.sh("echo ran", env: policy.env)
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr.contains("policy \(policy.file):2: images.allow_dir: unknown key"), "\(out)")
            let bad = try Gourd.sh("echo ran", env: SitePolicy("[gpu]\ndefault = 3\n").env)
            #expect(bad.status == GourdExit.launchFailed && bad.stderr.contains("gpu.default: expected a string, found integer"), "\(bad)")
        }

        @Test func unreadablePolicyRefusesToRun() throws {
            let policy = SitePolicy("")
            guard TestEnvironment.shared.switchesUser else { return }  // root-only set-up: a file the user cannot read
            chown(policy.file, 0, 0)
            chmod(policy.file, 0o600)
            let out = try Gourd.sh("echo ran", env: policy.env)
            #expect(out.status == GourdExit.launchFailed && out.stderr.contains("cannot read: Permission denied"), "\(out)")
        }

        @Test func defaultBindsExpandVariables() throws {
            let scratch = Scratch.shared.directory("site-scratch")
            let mine = scratch + "/" + TestEnvironment.shared.user.name
            mkdir(mine, 0o755)
            Scratch.shared.chownToUser(mine)
            Scratch.shared.write("scratch data\n", to: mine + "/f")
            let policy = SitePolicy(
                """
                [[bind]]
                source = "\(scratch)/$USER"
                destination = "/data"
                required = true

                [[bind]]
                source = "/nonexistent/$USER"
                destination = "/mnt"

                [[bind]]
                source = "${SITE_UNSET_VARIABLE}"
                destination = "/opt"
                """)
            let out = try Gourd.run(["exec", "-v", Gourd.env.image("busybox-zstd.sqfs"), "cat", "/data/f"], env: policy.env)
            #expect(out.status == 0 && out.lines == ["scratch data"], "\(out)")
            #expect(out.stderr.contains("policy bind '/nonexistent/$USER'") && out.stderr.contains("does not exist on the host"), "\(out)")
            #expect(out.stderr.contains("$SITE_UNSET_VARIABLE is not set"), "\(out)")
        }

        @Test func missingRequiredBindFailsTheLaunch() throws {
            let policy = SitePolicy("[[bind]]\nsource = \"/lustre/$USER\"\nrequired = true\n")
            let out = try Gourd.sh("echo ran", env: policy.env)
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            #expect(out.stderr.contains("required bind '/lustre/$USER' from policy \(policy.file):2"), "\(out)")
            expectNothingLeft()
        }

        @Test func deniedBindsAreRefusedAlsoThroughSymlinks() throws {
            let secret = Scratch.shared.directory("secret")
            let open = Scratch.shared.directory("open")
            symlink(secret, open + "/link")
            let policy = SitePolicy("[binds]\nallow = [\"\(Scratch.shared.path)\"]\ndeny = [\"\(secret)\"]\n")
            let direct = try Gourd.sh("echo ran", options: ["-B", "\(secret):/mnt"], env: policy.env)
            #expect(direct.status == GourdExit.launchFailed, "\(direct)")
            #expect(direct.stderr.contains("--bind: binding '\(secret)' is not allowed by the site policy (binds.deny"), "\(direct)")
            let viaLink = try Gourd.sh("echo ran", options: ["-B", "\(open)/link:/mnt"], env: policy.env)
            #expect(viaLink.status == GourdExit.launchFailed && viaLink.stderr.contains("binds.deny"), "\(viaLink)")
            let allowed = try Gourd.sh("echo ran", options: ["-B", "\(open):/mnt"], env: policy.env)
            #expect(allowed.status == 0 && allowed.lines == ["ran"], "\(allowed)")
            let outside = try Gourd.sh("echo ran", options: ["-B", "/usr/share:/mnt"], env: policy.env)
            #expect(outside.status == GourdExit.launchFailed && outside.stderr.contains("not under binds.allow"), "\(outside)")
        }

        @Test func otherUsersHomesAreDenied() throws {
            let policy = SitePolicy("[binds]\ndeny_other_homes = true\n")
            let home = TestEnvironment.shared.user.home
            let sibling = (home as NSString).deletingLastPathComponent
            let out = try Gourd.sh("echo ran", options: ["-B", "\(sibling):/mnt"], env: policy.env)
            #expect(out.status == GourdExit.launchFailed && out.stderr.contains("another user's home"), "\(out)")
            let own = try Gourd.sh("echo ran", options: ["-B", "\(home):/mnt"], env: policy.env)
            #expect(own.status == 0, "\(own)")
        }

        @Test func imageAllowListsByDirectoryOwnerAndDigest() throws {
            let images = Gourd.env.images
            let elsewhere = try Gourd.sh("echo ran", env: SitePolicy("[images]\nallow_dirs = [\"/opt/images\"]\n").env)
            #expect(elsewhere.status == GourdExit.launchFailed, "\(elsewhere)")
            #expect(elsewhere.stderr.contains("is not allowed by the site policy: not under images.allow_dirs"), "\(elsewhere)")
            let inside = try Gourd.sh("echo ran", env: SitePolicy("[images]\nallow_dirs = [\"\(images)\"]\n").env)
            #expect(inside.status == 0, "\(inside)")

            var st = stat()
            stat(Gourd.env.image("busybox-zstd.sqfs"), &st)
            let owner = try Gourd.sh("echo ran", env: SitePolicy("[images]\nallow_owners = [\"\(st.st_uid + 1)\"]\n").env)
            #expect(owner.status == GourdExit.launchFailed && owner.stderr.contains("owned by uid \(st.st_uid)"), "\(owner)")
            let ownerOK = try Gourd.sh("echo ran", env: SitePolicy("[images]\nallow_owners = [\"\(st.st_uid)\", \"$USER\"]\n").env)
            #expect(ownerOK.status == 0, "\(ownerOK)")

            let digest = try sha256sum(Gourd.env.image("busybox-zstd.sqfs"))
            let wrong = String(repeating: "0", count: 64)
            let refused = try Gourd.sh("echo ran", env: SitePolicy("[images]\nsha256 = [\"\(wrong)\"]\n").env)
            #expect(
                refused.status == GourdExit.launchFailed && refused.stderr.contains("its sha256 \(digest) is not in images.sha256"),
                "\(refused)")
            let accepted = try Gourd.sh("echo ran", env: SitePolicy("[images]\nsha256 = [\"sha256:\(digest.uppercased())\"]\n").env)
            #expect(accepted.status == 0 && accepted.lines == ["ran"], "\(accepted)")
            expectNothingLeft()
        }

        @Test func environmentSetAndForbid() throws {
            let policy = SitePolicy("[environment]\nset = { SITE_NAME = \"hpc1\" }\nforbid = [\"SITE_SECRET\"]\n")
            let out = try Gourd.sh("echo $SITE_NAME/${SITE_SECRET:-unset}", env: policy.env.merging(["SITE_SECRET": "x"]) { $1 })
            #expect(out.lines == ["hpc1/unset"], "\(out)")
            let flag = try Gourd.sh("echo ran", options: ["--env", "SITE_SECRET=y"], env: policy.env)
            #expect(flag.status == GourdExit.launchFailed, "\(flag)")
            #expect(flag.stderr.contains("--env: setting SITE_SECRET is forbidden by the site policy (\(policy.file):3"), "\(flag)")
        }
    }
}

func sha256sum(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}
