import Foundation
import Testing

extension Integration {
    /// Workflow managers that drive `apptainer` themselves, with gourd installed under that name.
    @Suite struct WorkflowManagers {
        static let snakemake = ProcessInfo.processInfo.environment["GOURD_TEST_SNAKEMAKE"]

        /// Snakemake from PyPI (make test installs it), `--sdm apptainer`: it checks
        /// `apptainer --version`, then runs `apptainer --quiet --silent exec --home $PWD
        /// [--bind ...] IMAGE bash -c CMD` with SINGULARITYENV_ for `envvars:`. The rule also
        /// reads a site-style APPTAINER_BIND and the user's APPTAINERENV_ variable.
        @Test(.enabled(if: snakemake != nil, "GOURD_TEST_SNAKEMAKE not set (make test installs Snakemake)"))
        func snakemakeRunsRulesThroughGourdAsApptainer() throws {
            let work = Scratch.shared.directory("snakemake")
            let reference = Scratch.shared.directory("snakemake-ref")
            Scratch.shared.write("reference-data\n", to: reference + "/ref.txt")
            Scratch.shared.write("input-data\n", to: work + "/in.txt")
            Scratch.shared.write(
                """
                envvars: "TASK_VAR"

                rule all:
                    input: "out.txt"

                rule greet:
                    input: "in.txt"
                    output: "out.txt"
                    container: "\(Gourd.env.image("compat.sqfs"))"
                    shell:
                        "if [[ -n $BASH_VERSION ]]; then echo bash; fi > {output}; "
                        "echo $GREETING $TASK_VAR $(cat /refdata/ref.txt) $(cat {input}) $APPTAINER_NAME >> {output}; "
                        "pwd >> {output}; echo $HOME >> {output}"

                """, to: work + "/Snakefile")
            let path = ApptainerName.directory + ":/usr/local/bin:/usr/bin:/bin"
            let out = try Gourd.start(
                [Self.snakemake!, "--cores", "1", "--sdm", "apptainer", "--snakefile", work + "/Snakefile", "--directory", work],
                env: [
                    "PATH": path, "APPTAINERENV_GREETING": "hello", "TASK_VAR": "task",
                    "APPTAINER_BIND": "\(reference):/refdata:ro", "HOME": work,
                ],
                cwd: work, raw: true
            ).wait(timeout: 120)
            #expect(out.status == 0, "\(out)")
            let result = (try? String(contentsOfFile: work + "/out.txt", encoding: .utf8)) ?? ""
            #expect(result == "bash\nhello task reference-data input-data compat.sqfs\n\(work)\n\(work)\n", "\(out)")
            expectNothingLeft()
        }

        /// Nextflow's documented singularity task command line, replayed: `env -` with only
        /// PATH and SINGULARITYENV_ variables, `--no-home --pid`, `-B` the work directory and a
        /// site's comma list, then `/bin/bash -c "cd $PWD; /bin/bash -ue .command.sh"`.
        @Test func nextflowStyleTaskCommandLine() throws {
            let task = Scratch.shared.directory("nextflow-task")
            let shared = OutsideDirectory("nextflow-shared")
            defer { shared.remove() }
            Scratch.shared.write("shared-input\n", to: shared.path + "/data.txt")
            Scratch.shared.write(
                """
                #!/bin/bash -ue
                echo "task in $NXF_TASK_WORKDIR tmp $TMPDIR"
                cat \(shared.path)/data.txt
                [[ -d /refs ]] && echo refs-bound
                echo "home ${HOME}"
                """, to: task + "/.command.sh")
            // GOURD_WARM=off survives `env -`: a warm server would outlive the task (the Warm suite
            // tests those), and this test checks that nothing does.
            let script =
                #"env - PATH=/usr/bin:/bin GOURD_WARM=off SINGULARITYENV_NXF_TASK_WORKDIR="$PWD" SINGULARITYENV_TMPDIR=/tmp "#
                + "\(ApptainerName.directory)/singularity exec --no-home --pid -B \"$PWD\" -B /tmp,\(shared.path),\(shared.path):/refs:ro "
                + Gourd.env.image("compat.sqfs") + #" /bin/bash -c "cd $PWD; /bin/bash -ue .command.sh""#
            let out = try Gourd.start(["/bin/sh", "-c", script], cwd: task, raw: true).wait()
            #expect(out.status == 0, "\(out)")
            #expect(out.lines == ["task in \(task) tmp /tmp", "shared-input", "refs-bound", "home \(Gourd.env.user.home)"], "\(out)")
            expectNothingLeft()
        }
    }
}
