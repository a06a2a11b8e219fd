import GourdCore
import Testing

@Suite struct PolicyParserTests {
    let file = "/etc/gourd/policy.toml"

    func parse(_ text: String) throws(PolicyError) -> Policy { try PolicyParser.parse(text, file: file) }

    func error(_ text: String) -> PolicyError? {
        do {
            _ = try parse(text)
            return nil
        } catch { return error }
    }

    @Test func emptyFileIsTheBuiltInPolicyFromThatFile() throws {
        var expected = Policy.builtIn
        expected.file = file
        #expect(try parse("# nothing\n") == expected)
    }

    @Test func fullPolicy() throws {
        let policy = try parse(
            """
            [[bind]]
            source = "/scratch/$USER"
            destination = "/scratch"
            required = true

            [[bind]]
            source = "$TMPDIR"
            readonly = true

            [binds]
            allow = ["/home", "/scratch"]
            deny = ["/etc/shadow", "/root"]
            deny_other_homes = true

            [images]
            allow_dirs = ["/apps/images", "$HOME"]
            allow_owners = ["root", "$USER"]
            sha256 = ["sha256:\(String(repeating: "AB", count: 32))"]

            [devices]
            default = "host"
            bind = ["/dev/infiniband/*"]

            [gpu]
            default = "auto"

            [gpu.nvidia]
            library_dirs = ["/opt/nvidia/lib"]
            environment = { NVIDIA_DRIVER_CAPABILITIES = "compute,utility" }

            [environment]
            set = { SITE = "hpc1" }
            forbid = ["LD_PRELOAD"]
            """)
        #expect(policy.binds.count == 2)
        #expect(
            policy.binds[0]
                == PolicyBind(
                    source: "/scratch/$USER", destination: "/scratch", required: true,
                    origin: PolicyOrigin(file: file, line: 2, key: "bind[0].source")))
        #expect(policy.binds[1].readOnly && !policy.binds[1].required && policy.binds[1].origin.line == 7)
        #expect(policy.userBinds.allow.map(\.path) == ["/home", "/scratch"])
        #expect(policy.userBinds.deny.map(\.path) == ["/etc/shadow", "/root"])
        #expect(policy.userBinds.deny[0].origin.line == 12)
        #expect(policy.userBinds.denyOtherHomes?.line == 13)
        #expect(policy.images.allowOwners.map(\.path) == ["root", "$USER"])
        #expect(policy.images.sha256.map(\.path) == [String(repeating: "ab", count: 32)])
        #expect(policy.devices.mode == .host && policy.devices.extra == ["/dev/infiniband/*"])
        #expect(policy.gpu.defaultChoice == .auto && policy.gpu.defaultOrigin?.line == 25)
        let nvidia = try #require(policy.gpu.vendor(named: "nvidia"))
        #expect(nvidia.libraryDirectories == ["/opt/nvidia/lib"])
        #expect(nvidia.libraries == GPUVendor.nvidia.libraries, "keys not given keep the built-in values")
        #expect(nvidia.environment.map(\.name) == ["NVIDIA_DRIVER_CAPABILITIES"])
        #expect(policy.environment.set.map(\.value) == ["hpc1"])
        #expect(policy.environment.forbid.map(\.path) == ["LD_PRELOAD"])
    }

    @Test func syntaxErrorsNameFileLineAndColumn() {
        guard case let .syntax(errorFile, line, _, _)? = error("[binds]\nallow = [\"/a\"\n") else {
            Issue.record("expected a syntax error")
            return
        }
        #expect(errorFile == file && line >= 2)
    }

    /// toml++ asserts on some malformed input unless built with NDEBUG (docs/PLATFORM-NOTES.md, "toml++"): this
    /// crashes the test process when CGourdTOML's define is missing.
    @Test(arguments: [
        "[[[ bad", "[a]\n[a]", "x = ", "= 1", "[gpu\n", "a = [1, \"two\"", "a = 1\na = 2", "[[bind]]\n[bind]",
        "a = \"x\0y\"", "[a]\0", "x = 1e400", "x = 99999999999999999999",
    ])
    func malformedInputIsAnErrorNotACrash(_ text: String) {
        #expect(error(text) != nil)
    }

    /// Thousands of mutations of a valid policy (deterministic): each parses or fails with an
    /// error, never crashes or hangs.
    @Test func mutatedPoliciesNeverCrash() {
        let valid = Array(
            """
            [[bind]]
            source = "/scratch/$USER"
            required = true
            [binds]
            allow = ["/home", '/scratch']
            deny_other_homes = true
            [gpu.nvidia]
            environment = { A = "b", C = 'd' }
            [environment]
            forbid = ["LD_PRELOAD"]
            """.utf8)
        let alphabet = Array("[]{}=\"'.,#\n\\ $ax1-+:".utf8)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var errors = 0
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<(1 + next(4)) {
                let at = next(bytes.count)
                switch next(3) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(alphabet[next(alphabet.count)], at: at)
                default: bytes[at] = alphabet[next(alphabet.count)]
                }
            }
            if error(String(decoding: bytes, as: UTF8.self)) != nil { errors += 1 }
        }
        #expect(errors > 1000, "most mutations are invalid: the parser must have said so")
    }

    @Test func unknownKeysAreRejectedWithTheirLine() {
        #expect(
            error("[binds]\nallow = []\nalow = []\n")?.description
                == "policy \(file):3: binds.alow: unknown key (expected allow, deny, deny_other_homes)")
        #expect(error("[imagez]\n")?.description.hasPrefix("policy \(file):1: imagez: unknown key") == true)
        #expect(
            error("[[bind]]\nsource = \"/a\"\n[[bind]]\nsource = \"/b\"\ntarget = \"/c\"\n")?.description
                == "policy \(file):5: bind[1].target: unknown key (expected source, destination, readonly, required)")
    }

    @Test func wrongTypesAndValuesAreRejected() {
        #expect(
            error("[binds]\ndeny = \"/etc\"\n")?.description == "policy \(file):2: binds.deny: expected an array of strings, found string")
        #expect(error("[binds]\ndeny = [\"etc\"]\n")?.description == "policy \(file):2: binds.deny: 'etc' is not an absolute path")
        #expect(error("[devices]\ndefault = \"all\"\n")?.description == "policy \(file):2: devices.default: 'all' is not minimal or host")
        #expect(error("[gpu]\ndefault = \"intel\"\n")?.description.contains("no vendor named 'intel'") == true)
        #expect(error("[images]\nsha256 = [\"abc\"]\n")?.description.contains("not a sha256 digest") == true)
        #expect(error("[[bind]]\ndestination = \"/x\"\n")?.description.contains("needs a non-empty string source") == true)
        #expect(error("[environment]\nforbid = [\"1X\"]\n")?.description.contains("not a variable name") == true)
        #expect(error("[gpu.intel]\ndevices = [\"/dev/accel0\"]\n")?.description.contains("needs per_gpu") == true)
        #expect(error("[gpu.intel]\nper_gpu = [\"/dev/accel\"]\n")?.description.contains("{N}") == true)
    }

    /// Lines come from the TOML parser itself: dotted keys, array elements and keys after a
    /// multi-line value are found on the line they were written on.
    @Test func everyKeyHasItsOwnLine() {
        #expect(
            error("[binds]\nallow = []\n\nden.y = 1\n")?.description
                == "policy \(file):4: binds.den: unknown key (expected allow, deny, deny_other_homes)")
        #expect(
            error("[[bind]]\nsource = \"/a\"\n[[bind]]\nsource = \"/b\"\n\nrea.donly = true\n")?.description
                == "policy \(file):6: bind[1].rea: unknown key (expected source, destination, readonly, required)")
        #expect(error("bind = [\n  { source = \"/a\" },\n  2,\n]\n")?.description == "policy \(file):3: bind[1]: expected a table")
        #expect(
            error("[[bind]]\nsource = \"/a\"\n[[bind]]\nreadonly = true\n")?.description
                == "policy \(file):3: bind[1].source: each [[bind]] needs a non-empty string source")
        #expect(
            error("[images]\nallow_dirs = [\n  \"/a\",\n]\nsha256 = 1\n")?.description
                == "policy \(file):5: images.sha256: expected an array of strings, found integer")
    }

    @Test(arguments: [
        ("1", "integer"), ("1.5", "floating-point number"), ("true", "bool"), ("1979-05-27", "date"),
        ("07:32:00", "time"), ("1979-05-27T07:32:00Z", "date-time"), ("[]", "array"), ("{}", "table"),
    ])
    func messagesNameTheTypeFound(_ value: String, _ type: String) {
        #expect(
            error("[devices]\ndefault = \(value)\n")?.description
                == "policy \(file):2: devices.default: expected a string, found \(type)")
    }

    @Test func aNewVendorNeedsItsPerGPUPattern() throws {
        let policy = try parse("[gpu]\ndefault = \"intel\"\n[gpu.intel]\nper_gpu = [\"/dev/dri/renderD{N+128}\"]\n")
        #expect(policy.gpu.vendor(named: "intel")?.perGPU == ["/dev/dri/renderD{N+128}"])
        #expect(policy.gpu.defaultChoice == .vendor("intel"))
    }
}

@Suite struct PolicyVariablesTests {
    let variables = PolicyVariables(identity: Fixture.alice, environment: env(["TMPDIR": "/tmp/job42", "EMPTY": "", "USER": "mallory"]))

    @Test func expandsAccountAndEnvironmentVariables() throws {
        #expect(try variables.expand("/scratch/$USER/${TMPDIR}/x").get() == "/scratch/alice//tmp/job42/x")
        #expect(try variables.expand("$HOME:$UID:$GID:$$").get() == "/home/alice:1000:1000:$")
        #expect(try variables.expand("a$").get() == "a$")
    }

    @Test func unsetOrEmptyVariablesAreReported() {
        #expect(variables.expand("/x/$SLURM_JOB_ID") == .failure(PolicyVariables.UnsetVariable(name: "SLURM_JOB_ID")))
        #expect(variables.expand("${EMPTY}") == .failure(PolicyVariables.UnsetVariable(name: "EMPTY")))
    }
}

@Suite struct DevicePatternTests {
    @Test func parsesAndMatches() throws {
        let nvidia = try #require(DevicePattern("/dev/nvidia{N}"))
        #expect(nvidia.path(gpu: 3) == "/dev/nvidia3")
        #expect(nvidia.gpu(named: "nvidia12") == 12)
        #expect(nvidia.gpu(named: "nvidiactl") == nil && nvidia.gpu(named: "nvidia-uvm") == nil && nvidia.gpu(named: "nvidia") == nil)
        let render = try #require(DevicePattern("/dev/dri/renderD{N+128}"))
        #expect(render.path(gpu: 1) == "/dev/dri/renderD129")
        #expect(render.gpu(named: "renderD130") == 2 && render.gpu(named: "card0") == nil)
        #expect(DevicePattern("/dev/dri/renderD{128+N}")?.offset == 128)
        #expect(DevicePattern("/dev/nvidia") == nil && DevicePattern("nvidia{N}") == nil && DevicePattern("/dev/{N}/x") == nil)
    }

    @Test func globs() {
        #expect(Glob.matches("uverbs*", "uverbs0") && Glob.matches("hfi1_?", "hfi1_0") && Glob.matches("*", ""))
        #expect(!Glob.matches("uverbs*", "rdma_cm") && !Glob.matches("hfi1_?", "hfi1_10"))
    }
}
