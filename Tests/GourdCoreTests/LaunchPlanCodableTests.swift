import Testing

@testable import GourdCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite("LaunchPlan is Codable")
struct LaunchPlanCodableTests {
    func roundTrip<T: Codable & Equatable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
    }

    @Test("a planned launch survives encode/decode unchanged")
    func plannedRoundTrip() throws {
        var image = Fixture.image()
        image["/.singularity.d/env/90-environment.sh"] = .file("")
        let request = LaunchRequest(
            mode: .shell(nil), binds: ["/scratch/data:/mnt:ro"],
            environment: ["QUOTE=it's \"x\"", "UNICODE=héllo ☃"])
        var plan = try Fixture.plan(request, image: image)
        plan.notes = ["a note"]
        // Every kind of mount is present.
        #expect(plan.mounts.contains { $0.kind == .proc })
        #expect(plan.mounts.contains { if case .tmpfs = $0.kind { true } else { false } })
        #expect(plan.mounts.contains { if case .generated = $0.kind { true } else { false } })
        #expect(plan.mounts.contains { if case .bind = $0.kind { true } else { false } })
        #expect(try roundTrip(plan) == plan)
    }

    @Test("hand-built values with edge cases round trip")
    func valuesRoundTrip() throws {
        let plan = LaunchPlan(
            image: ImageLocation(path: "/x.sif", offset: .max),
            identity: Identity(uid: .max, gid: 0, userName: "u", groupName: "g", home: "/", shell: "/bin/sh", gecos: ""),
            mounts: [
                Mount(
                    kind: .tmpfs(entries: []), destination: "/a", readOnly: true, noSuid: false, noDev: false,
                    noExec: true, recursive: false, optional: true, reason: "")
            ],
            generatedFiles: [GeneratedFile(name: "passwd", contents: "a:b\n")],
            environment: [EnvironmentVariable("EMPTY", "")], argv: [], searchPath: "", workdir: "/", notes: [])
        #expect(try roundTrip(plan) == plan)
        #expect(try roundTrip(Mount.Kind.bind(source: "/a:b")) == .bind(source: "/a:b"))
    }
}
