/// Variables Apptainer sets inside every container, which scripts written for it read:
/// APPTAINER_CONTAINER / SINGULARITY_CONTAINER (the image's path) and APPTAINER_NAME /
/// SINGULARITY_NAME (its file name).
public enum ApptainerRuntimeVariables {
    public static func inside(image path: String) -> [EnvironmentVariable] {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return [
            EnvironmentVariable("APPTAINER_CONTAINER", path), EnvironmentVariable("APPTAINER_NAME", name),
            EnvironmentVariable("SINGULARITY_CONTAINER", path), EnvironmentVariable("SINGULARITY_NAME", name),
        ]
    }
}
