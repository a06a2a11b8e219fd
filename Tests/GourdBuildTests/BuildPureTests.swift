import GourdCore
import Testing

@testable import GourdBuild

/// The pure parts of `gourd build` (the rest runs end to end in the integration tests).
@Suite("Build, pure parts")
struct BuildPureTests {
    @Test("every bootstrap agent the recipe parser accepts has exactly one source")
    func everyAgentHasASource() {
        for agent in BootstrapAgent.all {
            #expect(Bootstrapper.servedAgents.filter { $0.contains(agent.name) }.count == 1, "\(agent.name)")
        }
        let served = Set(Bootstrapper.servedAgents.joined())
        #expect(served == Set(BootstrapAgent.all.map(\.name)))
    }

    @Test func compressionIsDetectedFromTheMagic() {
        #expect(Compression.detect([0x1f, 0x8b, 8, 0]) == .gzip)
        #expect(Compression.detect([0x28, 0xb5, 0x2f, 0xfd, 0]) == .zstd)
        #expect(Compression.detect([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) == .unsupported("xz"))
        #expect(Compression.detect(Array("ustar".utf8)) == .none)
        #expect(Compression.detect([]) == .none)
    }

    @Test func tarMemberPathsAreNormalized() {
        #expect(TarIndex.normalize("./a/./b/") == "a/b")
        #expect(TarIndex.normalize("blobs/sha256/x") == "blobs/sha256/x")
    }

    @Test func sizesAreReadable() {
        #expect(BuildLog.size(2048) == "2 KiB")
        #expect(BuildLog.size(5 << 20) == "5 MiB")
    }
}
