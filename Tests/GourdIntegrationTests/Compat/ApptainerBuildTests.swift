import Foundation
import GourdCore
import Testing

extension Integration {
    /// gourd build with a recipe written for Apptainer (issue 15).
    @Suite struct ApptainerBuild {
        /// As hpccm writes recipes: %post starts by sourcing the Docker base's environment, and
        /// adds labels through $APPTAINER_LABELS; the %runscript has its own #! line.
        @Test func dockerEnvironmentScriptPostLabelsAndRunscriptShebang() throws {
            let archives = TestArchives.shared
            let dir = BuildDir("apptainer-recipe")
            let recipe = """
                Bootstrap: docker-archive
                From: \(archives.archive("docker.tar"))
                %post
                    . /.singularity.d/env/10-docker2singularity.sh
                    echo "post saw $FROM_CONFIG" > /post.txt
                    echo "build.by post-label" >> $APPTAINER_LABELS
                    echo "shared from-post" >> $SINGULARITY_LABELS
                %labels
                    shared from-labels
                %runscript
                    #!/bin/busybox echo
                    this line is never run by a shell
                """
            try dir.buildOK("img.sqfs", recipe: recipe)
            let probe = try dir.sh(
                "img.sqfs",
                "cat /post.txt; grep -c 'FROM_CONFIG=\"${FROM_CONFIG:-yes}\"' /.singularity.d/env/10-docker2singularity.sh; test -e /.build.labels || echo no-build-labels"
            )
            #expect(probe.lines == ["post saw yes", "1", "no-build-labels"], "\(probe)")
            let labels = try dir.inspect("img.sqfs").gourd?.labels
            #expect(labels == ["test.label": "from-config", "build.by": "post-label", "shared": "from-labels"])
            // The kernel runs the #! line: busybox echo prints the script's path and the arguments.
            #expect(try Gourd.run(["run", dir.file("img.sqfs"), "a", "b"]).lines == ["/.singularity.d/runscript a b"])
            dir.expectClean()
        }

        /// Every refused feature in one run, each with file:line.
        @Test func everyRefusedFeatureAtOnce() throws {
            let dir = BuildDir("apptainer-refused")
            dir.write(
                "r.def",
                "Bootstrap: scratch\nFingerprints: 12AB\n%setup\n  touch $APPTAINER_ROOTFS/x\n%post\n  true\n%appinstall tool\n  make\n")
            let out = try dir.build(["img.sqfs", "r.def"])
            #expect(out.status == GourdExit.launchFailed, "\(out)")
            let lines = out.stderr.split(separator: "\n").filter { $0.contains("r.def:") }
            #expect(lines.count == 3, "\(out)")
            for line in ["r.def:2:", "r.def:3:", "r.def:7:"] { #expect(out.stderr.contains(line), "\(line) \(out)") }
            #expect(!FileManager.default.fileExists(atPath: dir.file("img.sqfs")))
        }
    }
}
