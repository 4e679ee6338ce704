import Foundation
import Testing

/// Ctrl-C (SIGINT) in `plaza shell` cancels the running query and keeps the shell for the next one.
@Suite struct ShellInterruptTests {
    @Test func interruptCancelsTheQueryAndKeepsTheShell() throws {
        let scratch = try CommandLineTests.imported()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PlazaBinary.path)
        process.arguments = ["shell", "--db", scratch.database]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Eight rows joined with themselves ten times: 8^10 ≈ 1.07 billion rows, minutes of work.
        let joins = (1...9).map { " CROSS JOIN reportes AS r\($0)" }.joined()
        input.fileHandleForWriting.write(Data(".mode csv\nSELECT count(*) AS n FROM reportes AS r0\(joins);\n".utf8))
        Thread.sleep(forTimeInterval: 1.5)
        #expect(process.isRunning)
        kill(process.processIdentifier, SIGINT)
        input.fileHandleForWriting.write(Data("SELECT 42 AS answer;\n".utf8))
        try input.fileHandleForWriting.close()
        // A shell that ignored the interrupt would still be counting: give up after 60 seconds.
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            Issue.record("the shell did not stop the query after SIGINT")
            return
        }
        let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stdout == "answer\n42\n", "\(stderr)")
        #expect(stderr.lowercased().contains("cancel"), "\(stderr)")
        // Not a terminal: a statement that failed (here, was cancelled) makes the exit status 1.
        #expect(process.terminationStatus == 1)
    }
}
