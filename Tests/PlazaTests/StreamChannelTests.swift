import Foundation
import Testing
import PlazaCore
@testable import Plaza

/// The hand-over between the thread that runs a streamed query and the task that reads it: every
/// batch arrives, once, in order, whatever the two sides' speeds.
@Suite struct StreamChannelTests {
    @Test func batchesArriveInOrderWhenTheConsumerOvertakesAWaitingProducer() async throws {
        for round in 0..<20 {
            let channel = StreamChannel(capacity: 2)
            let count = 500
            let producer = Thread {
                for index in 0..<count {
                    // Results are told apart by their column name.
                    _ = channel.put(QueryResult(emptyWith: [Field(name: "b\(index)", type: .bigint)]))
                    if index % 7 == round % 7 { usleep(20) }
                }
                channel.finish(nil)
            }
            producer.start()
            var received: [String] = []
            while let result = try await channel.next() {
                received.append(result.columnNames[0])
                if received.count % 5 == round % 5 { await Task.yield() }
            }
            let expected = (0..<count).map { "b\($0)" }
            let firstWrong = received.indices.first { $0 >= count || received[$0] != expected[$0] }
            #expect(
                received.count == count && firstWrong == nil,
                "round \(round): \(received.count) batches, first out of order at \(firstWrong.map(String.init) ?? "-")"
            )
        }
    }
}
