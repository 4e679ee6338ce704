import Foundation
import Testing

/// `plaza` under a memory limit too small for a GROUP BY's group table: the query fails with the
/// limit error instead of trapping, and the process goes on to run the next statement.
@Suite struct MemoryLimitTests {
    @Test func groupByPastTheLimitFailsAndTheShellGoesOn() throws {
        let scratch = try CommandLineTests.imported()
        let script = """
            .mode csv
            SELECT folio % 3 AS k, count(*) AS n FROM reportes GROUP BY k;
            SELECT count(*) AS n FROM reportes;
            """
        let output = try PlazaBinary.run(
            ["shell", "--db", scratch.database, "--memory-limit", "1KB", "--threads", "2"], input: script)
        #expect(output.stderr.contains("memory limit"), "\(output.stderr)")
        #expect(output.stdout == "n\n8\n", "\(output.stdout)")
        #expect(output.status == 1)
    }

    @Test func queryPastTheLimitExitsWithAnError() throws {
        let scratch = try CommandLineTests.imported()
        let output = try PlazaBinary.run([
            "query", "--db", scratch.database, "--memory-limit", "1KB", "--threads", "1",
            "SELECT folio % 3 AS k, count(*) FROM reportes GROUP BY k",
        ])
        #expect(output.status == 1)
        #expect(output.stderr.contains("memory limit"), "\(output.stderr)")
    }
}
