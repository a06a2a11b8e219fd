import GourdCore
import Testing

@testable import gourd

/// Apptainer's global options, `--version` under Apptainer's names, and the options gourd
/// refuses by name instead of swift-argument-parser's "unknown option".
@Suite struct GlobalOptionsTests {
    @Test func globalOptionsBeforeTheSubcommand() {
        let snakemake = GlobalOptions.parse(["--quiet", "--silent", "exec", "--home", "/w", "img", "true"])
        #expect(snakemake.quiet && !snakemake.debug)
        #expect(snakemake.rest == ["exec", "--home", "/w", "img", "true"])
        let debug = GlobalOptions.parse(["-d", "-s", "run", "img"])
        #expect(debug.debug && debug.quiet && debug.rest == ["run", "img"])
        #expect(GlobalOptions.parse(["-q"]).rest.isEmpty)
        // Only before the subcommand: the command's own -q stays.
        #expect(GlobalOptions.parse(["exec", "img", "grep", "-q", "x"]).rest == ["exec", "img", "grep", "-q", "x"])
        #expect(GlobalOptions.parse(["exec", "-v", "img", "x"]).debug == false)
    }

    @Test func versionAnswers() {
        let apptainer = GlobalOptions.versionAnswer(["--version"], personality: .apptainer, gourdVersion: "0.1.0")
        #expect(apptainer == "apptainer version \(CommandPersonality.apptainerVersion)")
        #expect(GlobalOptions.versionAnswer(["--version"], personality: .singularity, gourdVersion: "0.1.0") == apptainer)
        #expect(
            GlobalOptions.versionAnswer(["version"], personality: .apptainer, gourdVersion: "0.1.0") == CommandPersonality.apptainerVersion)
        #expect(
            GlobalOptions.versionAnswer(["version", "--gourd"], personality: .apptainer, gourdVersion: "0.1.0") == "gourd version 0.1.0")
        #expect(GlobalOptions.versionAnswer(["version", "--gourd"], personality: .gourd, gourdVersion: "0.1.0") == "gourd version 0.1.0")
        // Under gourd's own name, --version stays swift-argument-parser's ("0.1.0").
        #expect(GlobalOptions.versionAnswer(["--version"], personality: .gourd, gourdVersion: "0.1.0") == nil)
        #expect(GlobalOptions.versionAnswer(["exec", "img", "x"], personality: .apptainer, gourdVersion: "0.1.0") == nil)
    }

    @Test func unsupportedOptionsAreNamed() {
        #expect(GlobalOptions.unsupportedOption(in: ["exec", "--fakeroot", "img", "x"])?.0 == "--fakeroot")
        #expect(GlobalOptions.unsupportedOption(in: ["run", "-B", "/a", "--memory=4G", "img"])?.0 == "--memory")
        #expect(GlobalOptions.unsupportedOption(in: ["shell", "--dns", "1.1.1.1", "img"])?.0 == "--dns")
        // --overlay is supported now; its value is skipped, not read as an option.
        #expect(GlobalOptions.unsupportedOption(in: ["shell", "--overlay", "o.img", "img"]) == nil)
        #expect(GlobalOptions.unsupportedOption(in: ["exec", "-o", "--fakeroot", "img", "x"]) == nil)
        // A value of a known option, or anything after IMAGE, is not an option.
        #expect(GlobalOptions.unsupportedOption(in: ["exec", "--env", "--fakeroot", "img", "x"]) == nil)
        #expect(GlobalOptions.unsupportedOption(in: ["exec", "img", "tool", "--fakeroot"]) == nil)
        #expect(GlobalOptions.unsupportedOption(in: ["build", "--fakeroot"]) == nil)
    }
}
