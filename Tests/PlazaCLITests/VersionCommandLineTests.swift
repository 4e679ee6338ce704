import Plaza
import Testing

/// `plaza --version`: the release and the format versions, as `GET /api/version` gives them.
@Suite struct VersionCommandLineTests {
    @Test func versionPrintsReleaseAndFormats() throws {
        let output = try PlazaBinary.run(["--version"])
        #expect(output.status == 0)
        #expect(
            output.stdout
                == "Plaza \(PlazaVersion.current.release)\nsegment file format 1.1 (reads 1.x)\nmanifest format 1.2 (reads 1.x)\n"
        )
        #expect(output.stderr.isEmpty)
    }
}
