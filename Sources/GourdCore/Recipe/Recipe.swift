import GourdFormats

/// A build recipe in Apptainer's definition-file syntax, parsed: the header's bootstrap agent
/// and the sections gourd supports, each with the line it came from so that every later error
/// can name `file:line`. Plain data; `RecipeParser` makes it, `BuildPlan` turns it into steps.
public struct Recipe: Sendable, Equatable {
    /// The recipe file as named on the command line (messages use it as given).
    public var file: String
    /// The whole text, written into the image (`/.singularity.d/Singularity`, image.json).
    public var text: String
    public var bootstrap: Bootstrap
    /// Where `Bootstrap:` is (errors about the base point there).
    public var bootstrapLine: Int
    public var files: [FileCopy] = []
    public var post: Script?
    public var environment: Script?
    public var runscript: Script?
    public var test: Script?
    public var help: Script?
    /// In file order; a later label with the same key wins.
    public var labels: [Label] = []
    /// Header keys gourd accepts but that change nothing (e.g. IncludeCmd): said once at build.
    public var ignoredKeys: [HeaderKey] = []

    public init(file: String, text: String, bootstrap: Bootstrap, bootstrapLine: Int) {
        self.file = file
        self.text = text
        self.bootstrap = bootstrap
        self.bootstrapLine = bootstrapLine
    }

    /// Where the image's root file system starts from: the agent (one of
    /// `BootstrapAgent.all`) and the header values it reads, by lowercased key (`from`,
    /// `osversion`, `mirrorurl`, `include`...), as written.
    public struct Bootstrap: Sendable, Equatable {
        public let agent: String
        public let values: [String: String]

        public init(agent: String, values: [String: String] = [:]) {
            self.agent = agent
            self.values = values
        }

        /// The base named by `From:` (a path, optionally with a reference: `PATH:REPO:TAG`).
        public var from: String? { values["from"] }

        /// A list value (`Include: a b,c`), split on spaces, tabs and commas.
        public func list(_ key: String) -> [String] {
            (values[key] ?? "").split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
        }
    }

    /// One `%files` line: SOURCE on the host (glob allowed), DESTINATION in the image
    /// (nil: the same path as the source).
    public struct FileCopy: Sendable, Equatable {
        public var source: String
        public var destination: String?
        public var line: Int
        public init(source: String, destination: String?, line: Int) {
            self.source = source
            self.destination = destination
            self.line = line
        }
    }

    /// A section's text. For %post, %test and %runscript, `interpreter` comes from `-c PATH`
    /// and `options` are other shell flags on the section line (`%post -x`).
    public struct Script: Sendable, Equatable {
        public var text: String
        /// The line of the (first) section header.
        public var line: Int
        public var interpreter: String?
        public var options: [String]
        public init(text: String, line: Int, interpreter: String? = nil, options: [String] = []) {
            self.text = text
            self.line = line
            self.interpreter = interpreter
            self.options = options
        }
    }

    public struct Label: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int
        public init(key: String, value: String, line: Int) {
            self.key = key
            self.value = value
            self.line = line
        }
    }

    public struct HeaderKey: Sendable, Equatable {
        public var key: String
        public var line: Int
        public init(key: String, line: Int) {
            self.key = key
            self.line = line
        }
    }

    /// Labels as one map, later lines winning.
    public var labelMap: [String: String] {
        var map: [String: String] = [:]
        for label in labels { map[label.key] = label.value }
        return map
    }
}
