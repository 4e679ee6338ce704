import PlazaCore
import Dispatch

/// Chunk results handed from worker threads to the caller in file order, with at most
/// `window` chunks claimed ahead of the caller so memory stays bounded.
final class ChunkPipeline<Result>: @unchecked Sendable {
    // Guarded state: every field below is read and written only inside `monitor.locked`.
    private let monitor = Monitor()
    private let chunkCount: Int
    private let window: Int
    private var nextChunk = 0
    private var consumed = 0
    private var isCancelled = false
    private var results: [Result?]

    /// A pipeline over `chunkCount` chunks.
    init(chunkCount: Int, window: Int) {
        precondition(window > 0, "empty pipeline window")
        self.chunkCount = chunkCount
        self.window = window
        self.results = Array(repeating: nil, count: chunkCount)
    }

    /// The next chunk for a worker, or nil when all are taken or the run was cancelled.
    func claim() -> Int? {
        monitor.locked {
            while !isCancelled && nextChunk < chunkCount && nextChunk - consumed >= window { monitor.wait() }
            guard !isCancelled && nextChunk < chunkCount else { return nil }
            nextChunk += 1
            return nextChunk - 1
        }
    }

    /// Publishes a worker's result.
    func finish(_ chunk: Int, _ result: Result) {
        monitor.locked {
            results[chunk] = result
            monitor.broadcast()
        }
    }

    /// Waits for chunk `chunk`'s result and takes it.
    func take(_ chunk: Int) -> Result {
        monitor.locked {
            while results[chunk] == nil { monitor.wait() }
            let result = results[chunk]!
            results[chunk] = nil
            consumed = chunk + 1
            monitor.broadcast()
            return result
        }
    }

    /// Stops workers from taking more chunks.
    func cancel() {
        monitor.locked {
            isCancelled = true
            monitor.broadcast()
        }
    }
}

extension CSVFile {
    /// Runs `work` on every chunk on `threads` worker threads and hands the results to `consume`
    /// on the caller's thread, in chunk order; at most `window` chunks run ahead of `consume`.
    /// An error from `consume` stops the workers (after their current chunk) and is rethrown.
    func forEachChunk<Result>(
        _ chunkCount: Int, window: Int, work: @escaping @Sendable (Int) -> Result,
        consume: (Int, Result) throws -> Void
    ) rethrows {
        // One worker gains nothing from a hand-off to another thread and pays a context switch
        // per chunk (which dominates small files on a busy machine), so run on the caller's thread.
        if threads == 1 || chunkCount <= 1 {
            for chunk in 0..<chunkCount { try consume(chunk, work(chunk)) }
            return
        }
        let pipeline = ChunkPipeline<Result>(chunkCount: chunkCount, window: window)
        let workers = DispatchGroup()
        for _ in 0..<min(threads, chunkCount) {
            DispatchQueue.global().async(group: workers) {
                while let chunk = pipeline.claim() { pipeline.finish(chunk, work(chunk)) }
            }
        }
        defer {
            pipeline.cancel()
            workers.wait()
        }
        for chunk in 0..<chunkCount { try consume(chunk, pipeline.take(chunk)) }
    }
}
