import Foundation
import Testing

/// `plaza serve`'s options are checked before anything listens.
@Suite struct ServeCommandLineTests {
    @Test(arguments: [
        (["--query-timeout", "5x"], "--query-timeout must be a duration"),
        (["--port", "70000"], "--port must be from 0 to 65535"),
        (["--max-rows", "0"], "--max-rows must be at least 1"),
        (["--memory-limit", "lots"], "--memory-limit must be a size"),
    ])
    func badOptionsAreUsageErrors(arguments: [String], message: String) throws {
        let scratch = ScratchDirectory()
        let output = try PlazaBinary.run(["serve", "--db", scratch.database] + arguments)
        #expect(output.status == 2)
        #expect(output.stderr.contains(message), "\(output.stderr)")
    }

    @Test func aMissingOrShortTokenFileIsAnError() throws {
        let scratch = ScratchDirectory()
        let missing = try PlazaBinary.run(["serve", "--db", scratch.database, "--token-file", scratch.path + "/none"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot read the token file"))
        let short = try scratch.file("token", "abc\n")
        let tooShort = try PlazaBinary.run(["serve", "--db", scratch.database, "--token-file", short])
        #expect(tooShort.status == 1)
        #expect(tooShort.stderr.contains("at least 16 characters"))
    }
}
