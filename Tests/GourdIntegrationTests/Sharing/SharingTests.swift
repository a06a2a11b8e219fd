import Foundation
import GourdCore
import Testing

/// Ranks sharing one container per node (--share, and the rank environments that imply it).
extension Integration {
    @Suite struct Sharing {
        static let image = Gourd.env.image("busybox-zstd.sqfs")

        func key() -> String { "t-" + UUID().uuidString.prefix(8).lowercased() }

        /// Starts `count` ranks at once; each prints its user namespace, then runs `script`.
        func ranks(
            _ count: Int, share: String, script: String = "true", env: [String: String] = [:],
            image: String = Sharing.image
        ) throws -> [RunningGourd] {
            try (0..<count).map { rank in
                try Gourd.start(
                    ["exec", "--share=\(share)", image, "sh", "-c", "readlink /proc/self/ns/user; \(script)"],
                    env: env.merging(["RANK": String(rank)]) { $1 })
            }
        }

        @Test func concurrentRanksShareOneNamespaceAndKeepTheirExitCodes() throws {
            let share = key()
            let started = try ranks(8, share: share, script: "sleep 0.3; exit $RANK")
            let outcomes = try started.map { try $0.wait(timeout: 30) }
            #expect(outcomes.map(\.status) == Array(0..<8).map(Int32.init), "\(outcomes)")
            let namespaces = Set(outcomes.compactMap(\.lines.first))
            #expect(namespaces.count == 1, "\(outcomes)")
            let alone = try Gourd.sh("readlink /proc/self/ns/user", options: ["--share=none"])
            #expect(alone.lines.count == 1 && !namespaces.contains(alone.lines[0]), "\(alone)")
            expectNothingLeft()
        }

        @Test func ranksSeeEachOtherAndShareDevShm() throws {
            let share = key()
            let marker = "gourd-share-\(share)"
            let first = try Gourd.start([
                "exec", "--share=\(share)", Self.image, "sh", "-c",
                "echo $$ > /dev/shm/\(marker); echo started; sleep 5",
            ])
            #expect(first.waitForOutput("started"))
            let second = try Gourd.run([
                "exec", "--share=\(share)", Self.image, "sh", "-c",
                "cat /dev/shm/\(marker); ps -o args | grep -c '^sleep 5'; rm /dev/shm/\(marker)",
            ])
            #expect(second.status == 0, "\(second)")
            #expect(second.lines.last == "1", "the first rank's process is visible in the shared PID namespace: \(second)")
            first.signal(SIGTERM)
            let out = try first.wait()
            #expect(out.status == 143, "\(out)")
            expectNothingLeft()
        }

        @Test func lateRankJoinsTheRunningContainer() throws {
            let share = key()
            let early = try Gourd.start(["exec", "--share=\(share)", Self.image, "sh", "-c", "readlink /proc/self/ns/user; sleep 1"])
            #expect(early.waitForOutput("user:"))
            usleep(300_000)
            let late = try Gourd.run(["exec", "--share=\(share)", Self.image, "readlink", "/proc/self/ns/user"])
            let first = try early.wait()
            #expect(late.lines == first.lines, "late: \(late) early: \(first)")
            expectNothingLeft()
        }

        @Test func differentImagesOrMountsNeverShare() throws {
            let share = key()
            let a = try ranks(1, share: share, script: "sleep 0.5")
            let b = try ranks(1, share: share, script: "sleep 0.5", image: Gourd.env.image("busybox-gzip.sqfs"))
            let dir = Scratch.shared.directory("share-bind")
            let c = try Gourd.start([
                "exec", "--share=\(share)", "-B", "\(dir):/mnt", Self.image, "sh", "-c",
                "readlink /proc/self/ns/user; sleep 0.5",
            ])
            let outs = try (a + b + [c]).map { try $0.wait(timeout: 30) }
            #expect(outs.allSatisfy { $0.status == 0 }, "\(outs)")
            #expect(Set(outs.compactMap(\.lines.first)).count == 3, "\(outs)")
            expectNothingLeft()
        }

        /// A rank killed with SIGKILL at any moment of its start-up must not wedge the others,
        /// and nothing may remain once they are done.
        @Test(arguments: [0, 2_000, 10_000, 30_000])
        func rankKilledDuringStartUpDoesNotWedgeTheOthers(delayMicroseconds: UInt32) throws {
            let share = key()
            let victim = try Gourd.start(["exec", "--share=\(share)", Self.image, "sleep", "5"])
            usleep(delayMicroseconds)
            victim.signal(SIGKILL)
            let others = try ranks(3, share: share, script: "sleep 0.2")
            let outs = try others.map { try $0.wait(timeout: 30) }
            #expect(outs.allSatisfy { $0.status == 0 }, "\(outs)")
            #expect(Set(outs.compactMap(\.lines.first)).count == 1, "\(outs)")
            _ = try? victim.wait(timeout: 5)
            expectNothingLeft()
        }

        /// The only rank dies right after starting the group's server: the server, with nobody
        /// to serve, leaves on its own within seconds, and nothing remains.
        @Test(arguments: [1_000, 5_000, 20_000])
        func loneRankKilledAtStartLeavesNothing(delayMicroseconds: UInt32) throws {
            let victim = try Gourd.start(["exec", "--share=\(key())", Self.image, "sleep", "5"])
            usleep(delayMicroseconds)
            victim.signal(SIGKILL)
            _ = try? victim.wait(timeout: 5)
            let left = HostState.leftovers(timeout: 10)
            #expect(left.isEmpty, "left behind: \(left)")
            if !left.isEmpty { HostState.killLeftovers() }
        }

        /// A rank killed with SIGKILL takes its workload with it; the others go on.
        @Test func killedRankTakesOnlyItsOwnWorkload() throws {
            let share = key()
            let victim = try Gourd.start(["exec", "--share=\(share)", Self.image, "sh", "-c", "echo up; sleep 30"])
            let survivor = try Gourd.start(["exec", "--share=\(share)", Self.image, "sh", "-c", "echo up; sleep 1; echo survived"])
            #expect(victim.waitForOutput("up") && survivor.waitForOutput("up"))
            victim.signal(SIGKILL)
            _ = try victim.wait()
            let out = try survivor.wait()
            #expect(out.status == 0 && out.lines == ["up", "survived"], "\(out)")
            expectNothingLeft()
        }

        /// The server is killed: every rank's workload dies with the container; nothing stays.
        @Test func killedServerEndsTheRanksCleanly() throws {
            let share = key()
            let started = try ranks(2, share: share, script: "echo up; sleep 30")
            #expect(started.allSatisfy { $0.waitForOutput("up") })
            let servers = HostState.containerPIDs().filter { found in
                !started.contains { $0.pid == found.pid }
                    && found.cmdline.hasPrefix(Gourd.env.gourd)
            }
            #expect(!servers.isEmpty, "no server process found")
            for server in servers { kill(server.pid, SIGKILL) }
            let outs = try started.map { try $0.wait(timeout: 10) }
            #expect(outs.allSatisfy { $0.status == 137 }, "\(outs)")
            expectNothingLeft()
        }

        /// Background processes a rank leaves run on until the last rank has gone, then end.
        @Test func leftoversEndWithTheLastRank() throws {
            let share = key()
            let first = try Gourd.run(["exec", "--share=\(share)", Self.image, "sh", "-c", "sleep 60 & echo left"])
            #expect(first.status == 0)
            expectNothingLeft()  // the only rank is gone: its background sleep went with the container
        }

        @Test func slurmStepEnvironmentSharesAutomatically() throws {
            let env = [
                "SLURM_JOB_ID": "77", "SLURM_STEP_ID": String(Int.random(in: 1000...9999)),
                "SLURM_STEP_NUM_TASKS": "3", "SLURMD_NODENAME": "n9",
            ]
            let plan = try Gourd.run(["plan", Self.image, "true"], env: env)
            #expect(plan.stdout.contains("shared with the other ranks of slurm:77.\(env["SLURM_STEP_ID"]!)@\(hostName())"), "\(plan)")
            let started = try (0..<3).map { _ in
                try Gourd.start(["exec", Self.image, "sh", "-c", "readlink /proc/self/ns/user; sleep 0.2"], env: env)
            }
            let outs = try started.map { try $0.wait(timeout: 30) }
            #expect(Set(outs.compactMap(\.lines.first)).count == 1, "\(outs)")
            let single = try Gourd.run(["plan", Self.image, "true"], env: env.merging(["SLURM_STEP_NUM_TASKS": "1"]) { $1 })
            #expect(single.stdout.contains("container  its own"), "\(single)")
            expectNothingLeft()
        }

        @Test func badShareKeyIsRefused() throws {
            let out = try Gourd.sh("true", options: ["--share=a/b"])
            #expect(out.status == GourdExit.launchFailed && out.stderr.contains("--share 'a/b'"), "\(out)")
        }
    }
}

func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count - 1)
    return String(cString: buffer)
}
