import GourdCore
import GourdFormats
import Testing

@Suite struct BaseImageTests {
    @Test func configBecomesBase() throws {
        let json = """
            {"architecture":"amd64","os":"linux",
             "config":{"Env":["PATH=/usr/local/bin:/usr/bin","LANG=C.UTF-8"],"Entrypoint":["/entry"],"Cmd":null,
                       "WorkingDir":"/srv","Labels":{"a":"b"}},
             "rootfs":{"type":"layers","diff_ids":["sha256:\(String(repeating: "0", count: 64))"]}}
            """
        let config = try OCIImage.decode(OCIImage.Config.self, Array(json.utf8), what: "config")
        let base = OCIImage.base(from: config)
        #expect(base.environment == ["PATH=/usr/local/bin:/usr/bin", "LANG=C.UTF-8"])
        #expect(base.entrypoint == ["/entry"])
        #expect(base.cmd == nil)
        #expect(base.workingDir == "/srv")
        #expect(base.labels == ["a": "b"])
        #expect(config.rootfs?.diffIDs?.count == 1)
        #expect(throws: ArchiveError.self) { try OCIImage.decode(OCIImage.Config.self, Array("{\"config\": 3}".utf8), what: "config") }
    }
}
