import GourdFormats

extension OCIImage {
    /// The base facts an image config gives to the image built on it.
    public static func base(from config: Config) -> BaseImage {
        var base = BaseImage()
        base.environment = config.config?.env ?? []
        base.entrypoint = config.config?.entrypoint.flatMap { $0.isEmpty ? nil : $0 }
        base.cmd = config.config?.cmd.flatMap { $0.isEmpty ? nil : $0 }
        base.workingDir = config.config?.workingDir.flatMap { $0.isEmpty ? nil : $0 }
        base.labels = config.config?.labels ?? [:]
        return base
    }
}
