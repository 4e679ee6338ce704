import Foundation
import PlazaCore
import PlazaPlanner
import PlazaVector

/// Hands a streaming pipeline's result batches to one consumer while the workers still run, in
/// the order `QueryExecutor.execute` would return them (morsel by morsel): what `COPY … TO` and
/// streamed results need, without holding the whole result in memory first.
///
/// Each worker keeps its current morsel's batches; when the morsel is done, they are delivered if
/// every earlier morsel has been, else parked. Whichever worker finds the next morsel ready
/// delivers it (one at a time, so the consumer is never called concurrently). A worker whose
/// finished morsel is more than `window` morsels ahead of the next to deliver waits, which bounds
/// memory when the consumer is slower than the scan.
struct OrderedStreamSink: PipelineSink {
    /// One worker's batches of the morsel it is running.
    final class Pending {
        var batches: [Batch] = []
    }

    let delivery: OrderedDelivery
    /// Whether dictionary vectors are handed on as they are (else flattened).
    var keepsDictionaries = false

    func makeLocalState(worker: Int) -> Pending { Pending() }

    func sink(_ batch: Batch, into local: Pending, morsel: Int) throws(ExecutionError) {
        // Compacted (and flattened) on the worker, as `normalizeOutput` does for a materialized result.
        local.batches += normalizeOutput([batch], keepingDictionaries: keepsDictionaries)
    }

    func finishMorsel(_ morsel: Int, of local: Pending) {
        let batches = local.batches
        local.batches = []
        delivery.complete(morsel: morsel, batches: batches)
    }

    func combine(_ locals: [Pending]) -> Void {}

    func finalize(_ global: Void) {}
}

/// The ordering and hand-off of `OrderedStreamSink`; see there.
final class OrderedDelivery: @unchecked Sendable {
    // Safe to share: every mutable property is read and written under `condition`.
    private let condition = NSCondition()
    private var next = 0
    private var ready: [Int: [Batch]] = [:]
    private var delivering = false
    private let window: Int
    private let consumer: (Batch) throws -> Bool
    /// Set when the consumer asked to stop or failed: the workers stop after their current batch.
    let stop = StopFlag()
    /// The consumer's error, rethrown by the caller once the workers have stopped.
    private(set) var failure: ExecutionError?

    /// `consumer` is called with each batch in order, never concurrently; false stops the run.
    init(window: Int, consumer: @escaping (Batch) throws -> Bool) {
        self.window = window
        self.consumer = consumer
    }

    /// Records that `morsel` produced `batches`, and delivers every morsel now in order.
    func complete(morsel: Int, batches: [Batch]) {
        condition.lock()
        while morsel - next > window && !stop.isSet {
            // Timed: a run stopped by another worker's error sets `stop` without a signal here.
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.01))
        }
        ready[morsel] = batches
        guard !delivering else {
            condition.unlock()
            return
        }
        delivering = true
        while let current = ready.removeValue(forKey: next) {
            condition.unlock()
            deliver(current)
            condition.lock()
            next += 1
            condition.broadcast()
        }
        delivering = false
        condition.unlock()
    }

    /// Calls the consumer on `batches`; a false answer or an error stops the run.
    private func deliver(_ batches: [Batch]) {
        for batch in batches where !stop.isSet {
            do {
                if try !consumer(batch) { stop.set() }
            } catch let error as ExecutionError {
                failure = failure ?? error
                stop.set()
            } catch {
                failure = failure ?? ExecutionError(.internal, "the result consumer failed: \(error)")
                stop.set()
            }
        }
    }
}

extension LogicalPlan {
    /// Whether the plan is one pipeline from a table scan through filters and projections, so
    /// its rows can be handed on while the scan runs (`OrderedStreamSink`).
    var streamsFromScan: Bool {
        switch self {
        case .scan: return true
        case .filter(let input, _), .project(let input, _, _): return input.streamsFromScan
        default: return false
        }
    }
}
