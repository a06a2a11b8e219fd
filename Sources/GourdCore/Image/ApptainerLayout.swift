/// Every path of Apptainer's `/.singularity.d/` image layout that gourd reads or writes, and
/// the one shell snippet that sources its environment scripts (Apptainer's action scripts
/// source `/.singularity.d/env/*.sh` in name order before the command).
public enum ApptainerLayout {
    public static let directory = "/.singularity.d"
    public static let runscript = "/.singularity.d/runscript"
    public static let environmentDirectory = "/.singularity.d/env"
    /// %environment of the recipe.
    public static let environment = "/.singularity.d/env/90-environment.sh"
    /// Where %post may append `export` lines (Apptainer's $APPTAINER_ENVIRONMENT).
    public static let postEnvironment = "/.singularity.d/env/91-environment.sh"
    public static let labels = "/.singularity.d/labels.json"
    public static let help = "/.singularity.d/runscript.help"
    public static let definition = "/.singularity.d/Singularity"
    public static let test = "/.singularity.d/test"

    /// Sources every readable environment script, in glob (name) order; ends with "; ".
    public static let sourceEnvironmentScripts =
        "for f in \(environmentDirectory)/*.sh; do if [ -r \"$f\" ]; then . \"$f\"; fi; done; "

    /// The interpreter for environment scripts and shebang-less runscripts: the image's bash
    /// when present (Apptainer's own interpreter accepts bash syntax), else /bin/sh; nil when
    /// the image has neither.
    public static func scriptShell(_ image: any ImageView) -> String? {
        ["/bin/bash", "/bin/sh"].first(where: { image.kind($0) == .file })
    }
}
