import GourdCore
import Testing

@Suite struct ShareScopeTests {
    func decide(_ pairs: KeyValuePairs<String, String>, request: ShareRequest = .auto, parent: Int32 = 4242) -> ShareScope? {
        ShareScope.decide(
            request,
            host: HostContext(
                identity: Fixture.alice, cwd: "/", environment: env(pairs),
                hostName: "node7", parentPID: parent))
    }

    @Test func aLoneLaunchDoesNotShare() {
        #expect(decide([:]) == nil)
        #expect(decide(["SLURM_JOB_ID": "5", "SLURM_STEP_ID": "0", "SLURM_STEP_NUM_TASKS": "1"]) == nil)
        #expect(decide(["OMPI_COMM_WORLD_SIZE": "1", "PMIX_NAMESPACE": "x"])?.key != "openmpi:x@node7")
    }

    @Test func slurmStepsShareByJobStepAndNode() {
        #expect(decide(["SLURM_JOB_ID": "5", "SLURM_STEP_ID": "2", "SLURM_STEP_NUM_TASKS": "8"])?.key == "slurm:5.2@node7")
        #expect(
            decide(["SLURM_JOB_ID": "5", "SLURM_STEP_ID": "2", "SLURM_NTASKS": "8", "SLURMD_NODENAME": "n1"])?.key
                == "slurm:5.2@node7", "the host name, not SLURMD_NODENAME, which mpiexec copies from the launch node")
    }

    @Test func mpiLaunchersShareByTheirJob() {
        #expect(decide(["OMPI_COMM_WORLD_SIZE": "4", "PMIX_NAMESPACE": "prterun-x-1@1"])?.key == "openmpi:prterun-x-1@1@node7")
        #expect(
            decide(["PMI_SIZE": "4", "PMI_RANK": "1"], parent: 99)?.key == "hydra:99@node7",
            "Hydra's ranks on a node are children of one proxy")
        #expect(decide(["PMIX_NAMESPACE": "slurm.pmix.5.0", "PMIX_RANK": "3"])?.key == "pmix:slurm.pmix.5.0@node7")
        #expect(
            decide(["PMI_SIZE": "4", "PMI_RANK": "1", "SLURM_STEP_ID": "0", "SLURM_JOB_ID": "9", "SLURM_STEP_NUM_TASKS": "4"])?.key
                == "slurm:9.0@node7", "srun --mpi=pmi2 is a Slurm step, not Hydra")
    }

    @Test func theFlagWins() {
        #expect(decide(["SLURM_JOB_ID": "5", "SLURM_STEP_ID": "2", "SLURM_STEP_NUM_TASKS": "8"], request: ShareRequest.none) == nil)
        #expect(decide([:], request: .key("bench"))?.key == "user:bench@node7")
    }
}
