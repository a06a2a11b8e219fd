import Foundation
import GourdCore
import Testing

/// `gourd plan` prints the plan a launch with the same flags applies: checked here against
/// what the launch really does (its mounts and its environment).
extension Integration {
    @Suite struct Plans {
        struct Printed: Decodable {
            struct Mount: Decodable {
                var destination: String
                var optional: Bool
                var reason: String
                var readOnly: Bool
            }
            struct Variable: Decodable {
                var name: String
                var value: String
            }
            struct Device: Decodable {
                var path: String
                var reason: String
            }
            var mounts: [Mount]
            var environment: [Variable]
            var devices: [Device]
            var argv: [String]
            var workdir: String
        }

        func plan(_ options: [String], _ command: [String], env: [String: String] = [:]) throws -> Printed {
            let out = try Gourd.run(["plan", "--json"] + options + [Gourd.env.image("busybox-zstd.sqfs")] + command, env: env)
            #expect(out.status == 0, "\(out)")
            return try JSONDecoder().decode(Printed.self, from: Data(out.stdout.utf8))
        }

        @Test func planMatchesTheLaunch() throws {
            let dir = Scratch.shared.directory("plan-bind")
            let options = ["-B", "\(dir):/mnt:ro", "--gpu", "--env", "PLAN_CHECK=1"]
            let env = ["CUDA_VISIBLE_DEVICES": "1", "LD_PRELOAD": "/host/lib.so"]
            let planned = try plan(options, ["env"], env: env)
            #expect(planned.argv == ["env"])
            #expect(planned.devices.map(\.path).contains("/dev/nvidia1") && !planned.devices.map(\.path).contains("/dev/nvidia0"))
            #expect(planned.mounts.contains { $0.destination == "/mnt" && $0.readOnly && $0.reason.hasPrefix("--bind") })

            let ran = try Gourd.run(["exec"] + options + [Gourd.env.image("busybox-zstd.sqfs"), "env"], env: env)
            #expect(ran.status == 0, "\(ran)")
            let inside = Set(ran.lines)
            let plannedEnv = Set(planned.environment.map { "\($0.name)=\($0.value)" })
            #expect(inside == plannedEnv, "launch env differs from the plan: \(inside.symmetricDifference(plannedEnv))")

            let mounts = try Gourd.run(
                ["exec"] + options + [Gourd.env.image("busybox-zstd.sqfs"), "cut", "-d", " ", "-f", "5", "/proc/self/mountinfo"], env: env)
            let mountPoints = Set(mounts.lines)
            for mount in planned.mounts where !mount.optional {
                #expect(mountPoints.contains(mount.destination), "planned \(mount.destination) is not mounted: \(mounts.lines)")
            }
            for device in planned.devices {
                #expect(mountPoints.contains(device.path), "planned device \(device.path) is not bound")
            }
        }

        @Test func textPlanGivesReasonsAndRunsNothing() throws {
            let out = try Gourd.run(
                ["plan", "--gpu", "-B", "/usr:/opt", Gourd.env.image("busybox-zstd.sqfs")],
                env: ["CUDA_VISIBLE_DEVICES": "2", "GOURDENV_FOO": "bar"])
            #expect(out.status == 0, "\(out)")
            #expect(out.stdout.contains("policy     none found: built-in defaults"), "\(out)")
            #expect(out.stdout.contains("/opt") && out.stdout.contains("[--bind /usr:/opt]"), "\(out)")
            #expect(out.stdout.contains("/dev/nvidia2") && out.stdout.contains("CUDA_VISIBLE_DEVICES=2"), "\(out)")
            #expect(out.stdout.contains("FOO=bar    [host GOURDENV_FOO]"), "\(out)")
            #expect(out.stdout.contains("argv       '/bin/sh'"), "no command: the plan of gourd run")
            expectNothingLeft()
        }

        @Test func planReportsErrorsLikeALaunch() throws {
            let out = try Gourd.run(["plan", "-B", "/nonexistent:/mnt", Gourd.env.image("busybox-zstd.sqfs"), "true"])
            #expect(
                out.status == GourdExit.launchFailed && out.stderr.contains("--bind: source '/nonexistent' does not exist on the host"),
                "\(out)")
        }
    }
}
