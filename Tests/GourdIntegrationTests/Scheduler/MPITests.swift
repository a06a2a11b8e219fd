import Foundation
import Testing

/// Real MPI in the test Slurm cluster: Open MPI (srun --mpi=pmix, mpirun) and MPICH (mpiexec,
/// srun --mpi=pmi2) running Tests/Support/mpi/pingpong.c inside images made by
/// make-mpi-image.sh, messages up to 16 MiB checked byte for byte. Every MPI run has a timeout:
/// a shared-memory hang never ends by itself.
enum MPIRun {
    static let openmpi = Gourd.env.image("mpi-openmpi.sqfs")
    static let mpich = Gourd.env.image("mpi-mpich.sqfs")
    static var available: Bool {
        SlurmCluster.available && FileManager.default.fileExists(atPath: openmpi) && FileManager.default.fileExists(atPath: mpich)
    }
    /// Two cores, more ranks: busy-polling ranks would starve each other (docs/PLATFORM-NOTES.md, "Ranks and user namespaces").
    static let env = [
        "OMPI_MCA_mpi_yield_when_idle": "1", "OMPI_MCA_rmaps_base_oversubscribe": "1",
        "SLURM_CONF": SlurmCluster.conf,
    ]

    static func run(_ argv: [String], timeout: Double = 150) throws -> Outcome {
        try Gourd.start(argv, env: env, raw: true).wait(timeout: timeout)
    }

    struct Rank {
        var rank: Int
        var size: Int
        var host: String
        var userns: String
    }

    /// "rank R of N on NODE userns INODE hostname H pid P" lines.
    static func ranks(_ out: Outcome) -> [Rank] {
        out.lines.compactMap { line in
            let f = line.split(separator: " ").map(String.init)
            guard f.count >= 10, f[0] == "rank", let r = Int(f[1]), let n = Int(f[3]) else { return nil }
            return Rank(rank: r, size: n, host: f[9], userns: f[7])
        }
    }

    /// Every rank reported, every pair's ping-pong passed, and the ranks of each host share
    /// exactly one user namespace (one container per node).
    static func expectPassed(_ out: Outcome, ranks count: Int, hosts: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(out.status == 0, "\(out)", sourceLocation: sourceLocation)
        let ranks = ranks(out)
        #expect(Set(ranks.map(\.rank)) == Set(0..<count), "\(out)", sourceLocation: sourceLocation)
        #expect(out.lines.filter { $0.hasPrefix("pingpong ok: ranks ") }.count == count / 2, "\(out)", sourceLocation: sourceLocation)
        let byHost = Dictionary(grouping: ranks, by: \.host)
        #expect(byHost.count == hosts, "\(out)", sourceLocation: sourceLocation)
        for (host, group) in byHost {
            #expect(
                Set(group.map(\.userns)).count == 1, "ranks on \(host) must share one container: \(out)", sourceLocation: sourceLocation)
        }
        #expect(Set(byHost.values.compactMap { $0.first?.userns }).count == hosts, "one container per node", sourceLocation: sourceLocation)
    }
}

extension Integration {
    @Suite(.enabled(if: MPIRun.available, "needs the test Slurm cluster and MPI images: run make test as root"))
    struct MPI {
        let gourd = Gourd.env.gourd

        @Test func openMPIUnderSrunPMIx() throws {
            let out = try MPIRun.run([
                "/usr/bin/srun", "--mpi=pmix", "-N1", "-n4", "-w", "n1", gourd, "exec", MPIRun.openmpi, "/opt/pingpong",
            ])
            MPIRun.expectPassed(out, ranks: 4, hosts: 1)
            expectNothingLeft()
        }

        @Test func twoNodesTimesFourRanks() throws {
            let out = try MPIRun.run([
                "/usr/bin/srun", "--mpi=pmix", "-N2", "--ntasks-per-node=4", gourd, "exec", MPIRun.openmpi,
                "/opt/pingpong", "--quick",
            ])
            MPIRun.expectPassed(out, ranks: 8, hosts: 2)
            expectNothingLeft()
        }

        @Test func openMPIUnderMpirun() throws {
            let out = try MPIRun.run(["/usr/bin/mpirun.openmpi", "-n", "4", gourd, "exec", MPIRun.openmpi, "/opt/pingpong"])
            MPIRun.expectPassed(out, ranks: 4, hosts: 1)
            expectNothingLeft()
        }

        /// A job script's consecutive mpiruns: each run's ranks share one container, made in the
        /// session's warm image server, so the second run starts from the first one's caches
        /// (both runs' ranks in the server's user namespace); Open MPI's shared memory works.
        @Test func consecutiveMpirunsUseOneWarmServer() throws {
            let once = "/usr/bin/mpirun.openmpi -n 2 \(gourd) exec \(MPIRun.openmpi) /opt/pingpong --quick"
            let script = """
                \(once) && \(once) || exit 1
                pid=$(\(gourd) plan --json \(MPIRun.openmpi) true | sed -n 's/.*"serverPID" : \\([0-9]*\\).*/\\1/p')
                echo server $pid; kill $pid
                """
            let out = try Gourd.start(["sh", "-c", script], env: MPIRun.env.merging(["GOURD_WARM": "10"]) { $1 }, raw: true)
                .wait(timeout: 150)
            #expect(out.status == 0, "\(out)")
            let ranks = MPIRun.ranks(out)
            #expect(ranks.count == 4 && out.lines.filter { $0.hasPrefix("pingpong ok: ranks ") }.count == 2, "\(out)")
            #expect(Set(ranks.map(\.userns)).count == 1, "both runs' ranks in the warm server's user namespace: \(out)")
            let server = out.lines.first { $0.hasPrefix("server ") }.flatMap { Int32($0.dropFirst(7)) }
            #expect(server != nil && Integration.Warm.waitGone(server ?? 0), "\(out)")
            expectNothingLeft()
        }

        @Test func mpichUnderMpiexec() throws {
            let out = try MPIRun.run(["/usr/bin/mpiexec.mpich", "-n", "4", gourd, "exec", MPIRun.mpich, "/opt/pingpong"])
            MPIRun.expectPassed(out, ranks: 4, hosts: 1)
            expectNothingLeft()
        }

        @Test func mpichUnderSrunPMI2() throws {
            let out = try MPIRun.run([
                "/usr/bin/srun", "--mpi=pmi2", "-N1", "-n2", "-w", "n2", gourd, "exec", MPIRun.mpich,
                "/opt/pingpong", "--quick",
            ])
            MPIRun.expectPassed(out, ranks: 2, hosts: 1)
            expectNothingLeft()
        }

        /// srun reports the failing rank's status.
        @Test func failingRankExitCodeReachesSrun() throws {
            let out = try MPIRun.run([
                "/usr/bin/srun", "-N1", "-n3", "-w", "n1", gourd, "exec", Gourd.env.image("busybox-zstd.sqfs"),
                "sh", "-c", "[ \"$SLURM_PROCID\" = 1 ] && exit 7; exit 0",
            ])
            #expect(out.status == 7, "\(out)")
            expectNothingLeft()
        }

        /// scancel mid-run (SIGTERM to every process of the step, then SIGKILL after KillWait):
        /// every rank ends and nothing is left: no process, no mount.
        @Test func scancelMidRunLeavesNothing() throws {
            let dir = Scratch.shared.directory("scancel")
            let submit = try Gourd.start(
                [
                    "/usr/bin/sbatch", "--parsable", "-N1", "-n2", "-w", "n1", "--output=\(dir)/out",
                    "--wrap", "srun --mpi=pmix \(gourd) exec \(MPIRun.openmpi) /opt/pingpong --quick --hold 120",
                ],
                env: MPIRun.env, cwd: dir, raw: true
            ).wait()
            let job = submit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(submit.status == 0 && !job.isEmpty, "\(submit)")
            let started = poll(seconds: 60) {
                ((try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "").contains("pingpong ok")
            }
            #expect(started, "the job never got going: \((try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "")")
            #expect(!HostState.containerPIDs().isEmpty, "ranks are running before scancel")
            _ = try MPIRun.run(["/usr/bin/scancel", job])
            let gone = poll(seconds: 60) {
                (try? MPIRun.run(["/usr/bin/squeue", "-h", "-j", job]))?.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                    ?? false
            }
            #expect(gone, "job \(job) still listed")
            expectNothingLeft()
        }

        func poll(seconds: Double, _ condition: () -> Bool) -> Bool {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                if condition() { return true }
                usleep(200_000)
            }
            return false
        }
    }

    /// JobScripts/ run as they are in the test cluster, with GOURD and IMAGE set.
    @Suite(.enabled(if: MPIRun.available, "needs the test Slurm cluster and MPI images: run make test as root"))
    struct JobScripts {
        func submit(_ script: String, image: String, extra: [String: String] = [:], arguments: [String] = []) throws -> String {
            let dir = Scratch.shared.directory("job-" + script)
            let path = Gourd.env.packageRoot + "/JobScripts/" + script
            let copy = dir + "/" + script
            try? FileManager.default.copyItem(atPath: path, toPath: copy)
            chmod(copy, 0o755)
            let env = MPIRun.env.merging(["GOURD": Gourd.env.gourd, "IMAGE": image]) { $1 }.merging(extra) { $1 }
            let submitted = try Gourd.start(["/usr/bin/sbatch", "--parsable", "--wait", copy] + arguments, env: env, cwd: dir, raw: true)
                .wait(timeout: 240)
            #expect(submitted.status == 0, "\(script): \(submitted)")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            return files.filter { $0.hasPrefix("slurm-") }.sorted()
                .compactMap { try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }.joined(separator: "\n")
        }

        @Test func single() throws {
            let out = try submit("single.sbatch", image: Gourd.env.image("busybox-zstd.sqfs"))
            #expect(out.contains("single ok"), "\(out)")
        }

        @Test func array() throws {
            let out = try submit("array.sbatch", image: Gourd.env.image("busybox-zstd.sqfs"))
            for task in 0..<4 { #expect(out.contains("array ok: \(task)"), "\(out)") }
        }

        @Test func gpu() throws {
            let out = try submit("gpu.sbatch", image: Gourd.env.image("busybox-zstd.sqfs"))
            #expect(out.contains("gpu ok") && out.contains("gpu CUDA_VISIBLE_DEVICES=0"), "\(out)")
            let devices = out.split(separator: "\n").first { $0.hasPrefix("gpu devices:") } ?? ""
            #expect(devices.split(separator: " ").filter { $0.hasPrefix("/dev/nvidia") && $0.last!.isNumber }.count == 1, "\(out)")
        }

        @Test func mpiSrun() throws {
            let out = try submit("mpi-srun.sbatch", image: MPIRun.openmpi, arguments: ["/opt/pingpong", "--quick"])
            #expect(out.contains("mpi-srun ok") && out.components(separatedBy: "pingpong ok").count == 3, "\(out)")
        }

        @Test func mpiMpirun() throws {
            let out = try submit("mpi-mpirun.sbatch", image: MPIRun.openmpi, arguments: ["/opt/pingpong", "--quick"])
            #expect(out.contains("mpi-mpirun ok"), "\(out)")
        }
    }
}
