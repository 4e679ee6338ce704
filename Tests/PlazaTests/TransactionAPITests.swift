import Foundation
import Testing
@testable import Plaza
@testable import PlazaStorage

/// Transactions through the library: `Database.transaction { }`, sessions, `BEGIN … COMMIT` in
/// one call, and the errors of misuse.
@Suite struct TransactionAPITests {
    static func count(_ db: Database, _ table: String) throws -> Int64 {
        try db.query("SELECT count(*) AS n FROM \(table)").column("n", as: Int64.self)[0]
    }

    @Test func aTransactionClosureCommitsWhenItReturnsAndRollsBackWhenItThrows() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE a (x BIGINT); CREATE TABLE b (y BIGINT)")
        let changed = try db.transaction { tx in
            let inserted = try tx.execute("INSERT INTO a VALUES (1), (2), (3)")
            try tx.execute("INSERT INTO b SELECT x * 10 FROM a WHERE x > ?", parameters: [1])
            #expect(try tx.query("SELECT sum(y) AS s FROM b").column("s", as: Int64.self) == [50])
            #expect(try Self.count(db, "a") == 0, "outside the transaction nothing is seen yet")
            return inserted
        }
        #expect(changed == 3)
        #expect(try Self.count(db, "a") == 3 && Self.count(db, "b") == 2)

        struct Refused: Error {}
        #expect(throws: Refused.self) {
            try db.transaction { tx in
                try tx.execute("DELETE FROM a")
                try tx.execute("CREATE TABLE c AS SELECT 1 AS uno")
                throw Refused()
            }
        }
        #expect(try Self.count(db, "a") == 3)
        #expect(db.tableNames() == ["a", "b"])
    }

    @Test func oneCallMayHoldAWholeTransactionButNotLeaveOneOpen() async throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE a (x BIGINT)")
        #expect(try db.execute("BEGIN; INSERT INTO a VALUES (1), (2); DELETE FROM a WHERE x = 1; COMMIT") == 3)
        #expect(try Self.count(db, "a") == 1)
        #expect { try db.execute("BEGIN; INSERT INTO a VALUES (5)") } throws: { error in
            (error as? PlazaError)?.kind == .usage && "\(error)".contains("without COMMIT or ROLLBACK")
        }
        #expect(try Self.count(db, "a") == 1, "the unfinished transaction was rolled back")
        #expect { try db.prepare("COMMIT").query() } throws: { error in "\(error)".contains("runs in a session") }
        #expect { try db.query("COMMIT") } throws: { error in "\(error)".contains("no transaction is active") }
        // A streamed text with a transaction runs it too.
        var stream = db.stream("BEGIN; INSERT INTO a VALUES (9); COMMIT; SELECT count(*) AS n FROM a")
            .makeAsyncIterator()
        let counted = try #require(try await stream.next())
        #expect(try counted.column("n", as: Int64.self) == [2])
    }

    @Test func aSessionKeepsItsTransactionAcrossCallsAndOthersSeeItOnlyAfterCommit() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE a AS SELECT range AS x FROM range(100)")
        let session = db.session()
        let other = db.session()
        try session.execute("BEGIN")
        #expect(session.isInTransaction && !other.isInTransaction)
        try session.execute("UPDATE a SET x = x + 1000 WHERE x < 10")
        // The other session's reads are not blocked and see the committed state.
        #expect(try other.query("SELECT max(x) AS m FROM a").column("m", as: Int64.self) == [99])
        #expect(try session.query("SELECT max(x) AS m FROM a").column("m", as: Int64.self) == [1009])
        // A second writer of the same table waits for the lock, then gives up.
        #expect { try other.execute("DELETE FROM a") } throws: { error in (error as? PlazaError)?.kind == .usage }
        try session.commit()
        #expect(!session.isInTransaction)
        #expect(try other.query("SELECT max(x) AS m FROM a").column("m", as: Int64.self) == [1009])
        #expect { try session.commit() } throws: { error in "\(error)".contains("no transaction is active") }
    }

    @Test func anErrorAbortsTheTransactionAndCommitThenRollsItBack() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE a (x BIGINT NOT NULL)")
        let session = db.session()
        try session.begin()
        try session.execute("INSERT INTO a VALUES (1)")
        #expect(throws: PlazaError.self) { try session.execute("INSERT INTO a VALUES (NULL)") }
        #expect { try session.query("SELECT 1") } throws: { error in "\(error)".contains("ROLLBACK it") }
        #expect { try session.commit() } throws: { error in "\(error)".contains("rolled back, not committed") }
        #expect(!session.isInTransaction)
        #expect(try Self.count(db, "a") == 0)
        try session.begin()
        #expect { try session.begin() } throws: { error in "\(error)".contains("within a transaction") }
        try session.rollback()
    }

    @Test func catalogChangesCommitWithATransactionAndReadOnlyDatabasesRefuseBegin() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE a (x BIGINT)")
        let session = db.session()
        try session.begin()
        try session.execute("ALTER TABLE a RENAME TO b")
        // Back to a name the transaction dropped: refused with the way out, not a conflict at COMMIT.
        #expect { try session.execute("ALTER TABLE b RENAME TO a") } throws: { error in
            "\(error)".contains("dropped in this transaction; COMMIT before")
        }
        try session.rollback()
        #expect(try db.query("SHOW TABLES").column("name", as: String.self) == ["a"])
        // Views are part of a transaction: committed with it, through the API as through SQL.
        try db.transaction { tx in
            try tx.execute("INSERT INTO a VALUES (1), (2)")
            try tx.execute("CREATE VIEW v AS SELECT sum(x) AS s FROM a")
            #expect(try db.query("SHOW TABLES").column("name", as: String.self) == ["a"])
        }
        #expect(try db.query("SELECT s FROM v").column("s", as: Int64.self) == [3])
        let reader = try Database(path: directory.database, options: .init(isReadOnly: true))
        #expect { try reader.session().begin() } throws: { error in "\(error)".contains("read-only") }
    }

    @Test func aDatabaseOpenedAfterACrashMidCommitSeesTheWholeTransaction() throws {
        let directory = TestDirectory()
        let db = try Database(path: directory.database)
        try db.execute("CREATE TABLE a (x BIGINT); CREATE TABLE b (y BIGINT)")
        let session = db.session()
        try session.begin()
        try session.execute("INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)")
        let open = try #require(session.open.withLock { $0 })
        open.storage.crashAfter.withLock { $0 = .firstManifestRenamed }
        #expect(throws: PlazaError.self) { try session.commit() }
        let reader = try Database(path: directory.database, options: .init(isReadOnly: true))
        #expect(try Self.count(reader, "a") == 1 && Self.count(reader, "b") == 1)
        let reopened = try Database(path: directory.database)
        try reopened.execute("INSERT INTO b VALUES (3)")
        #expect(try Self.count(reopened, "b") == 2)
        #expect(!FileManager.default.fileExists(atPath: directory.database + "/.plaza-commit"))
    }
}
