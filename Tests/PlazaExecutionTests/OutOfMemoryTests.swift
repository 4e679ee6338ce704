import PlazaCore
import PlazaPlanner
import PlazaVector
import Testing

@testable import PlazaExecution

/// Allocations of the group table, the group-key cache and the quantile lists that cannot be
/// reserved under the memory limit, or that the system refuses, end the query with the
/// memory-limit error instead of trapping.
@Suite struct OutOfMemoryTests {
    /// More bytes than any x86-64 or arm64 address space holds (2^49), so `malloc` refuses them
    /// whatever the overcommit setting.
    static let impossibleGroups = 1 << 45

    @Test func groupTablePastTheLimitThrowsTheLimitError() {
        let tracker = MemoryTracker(limit: 1024)
        #expect(throws: ExecutionError.self) {
            _ = try GroupTable(types: [.bigint], tracker: tracker, operatorName: "hash aggregate")
        }
        #expect(tracker.used.load(ordering: .relaxed) == 0)
    }

    @Test func groupTableTheSystemRefusesThrowsTheLimitError() {
        do {
            _ = try GroupTable(
                types: [.bigint], tracker: nil, operatorName: "hash aggregate", expectedGroups: Self.impossibleGroups)
            Issue.record("a group table of 2^45 groups was allocated")
        } catch {
            guard case .memoryLimit = error.kind else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(error.message.contains("could not allocate"))
        }
    }

    @Test func keyCacheStepsAsideWithoutRoom() {
        #expect(GroupKeyCache(types: [.bigint], tracker: MemoryTracker(limit: 64)) == nil)
        let tracker = MemoryTracker(limit: 1 << 30)
        let cache = GroupKeyCache(types: [.bigint], tracker: tracker)
        #expect(cache != nil)
        #expect(tracker.used.load(ordering: .relaxed) > 0)
    }

    @Test func quantileListTheSystemRefusesThrowsTheLimitError() {
        var list = DoubleList()
        do {
            try list.grow(Self.impossibleGroups * 4)
            Issue.record("a quantile list of 2^47 values was allocated")
        } catch {
            guard case .memoryLimit = error.kind else {
                Issue.record("unexpected error \(error)")
                return
            }
        }
        // The list is left as it was and still usable.
        #expect(throws: Never.self) { try list.append(1.5) }
        #expect(list.count == 1)
        list.release()
    }

    @Test func groupByPastTheLimitFailsAndTheNextQueryRuns() throws {
        let table = InMemoryTable(
            schema: Schema([Field(name: "k", type: .bigint)]), rows: (0..<100).map { [Value.bigint(Int64($0 % 7))] })
        let plan = T.aggregate(
            T.scan("t", table), groups: [T.col(0, .bigint)],
            [AggregateCall(function: .countStar, arguments: [], type: .bigint)])
        for threads in [1, 2] {
            do {
                _ = try T.run(plan, ["t": table], threads: threads, memoryLimit: 1024)
                Issue.record("GROUP BY ran under a 1 KiB limit")
            } catch let error as ExecutionError {
                guard case .memoryLimit = error.kind else {
                    Issue.record("unexpected error \(error)")
                    continue
                }
            }
            let rows = try T.run(plan, ["t": table], threads: threads)
            #expect(rows.count == 7)
        }
    }
}
