import GourdFormats

extension OCIImage {
    /// The base facts an image config gives to the image built on it.
    public static func base(from config: Config) -> BaseImage {
        var base = BaseImage()
        base.environment = config.config?.Env ?? []
        base.entrypoint = config.config?.Entrypoint.flatMap { $0.isEmpty ? nil : $0 }
        base.cmd = config.config?.Cmd.flatMap { $0.isEmpty ? nil : $0 }
        base.workingDir = config.config?.WorkingDir.flatMap { $0.isEmpty ? nil : $0 }
        base.labels = config.config?.Labels ?? [:]
        return base
    }
}
