import PlazaCore

/// Finishing work past the memory limit by splitting its input: the one retry loop of the spilling
/// operators (hash aggregate, hash join), and of any operator that partitions its input to disk.
///
/// `process` runs on a part in memory; when it throws the memory-limit error, `split` writes the
/// part into smaller parts on the hash bits of the next level, and each of those is processed the
/// same way, one after the other. Past `SpillPartitioner.maxLevel` the limit error of `tooLarge`
/// ends the query.
enum Repartitioning {
    /// The result of `process` on `part`, or the results on its parts combined by `combine` when
    /// `part` does not fit; `level` is the number of splits `part` has been through.
    ///
    /// - Parameters:
    ///   - split: writes a part into parts split on the hash bits of the level it is given.
    ///   - finished: called on each part made by `split` once it is processed (to free its files).
    ///   - tooLarge: the error for a part that still does not fit after `maxLevel` splits, given
    ///     into how many ways the input was split and the memory-limit error.
    static func process<Part, Result>(
        _ part: Part, level: Int = 0,
        process: (Part) throws(ExecutionError) -> Result,
        split: (Part, _ level: Int) throws(ExecutionError) -> [Part],
        combine: ([Result]) -> Result,
        finished: (Part) -> Void = { _ in },
        tooLarge: (_ ways: Int, _ underlying: ExecutionError) -> ExecutionError
    ) throws(ExecutionError) -> Result {
        do {
            return try process(part)
        } catch {
            guard case .memoryLimit = error.kind else { throw error }
            guard level < SpillPartitioner.maxLevel else {
                throw tooLarge(SpillPartitioner.partitionCount << (SpillPartitioner.partitionBits * level), error)
            }
        }
        var results: [Result] = []
        for child in try split(part, level + 1) {
            results.append(
                try Repartitioning.process(
                    child, level: level + 1, process: process, split: split, combine: combine, finished: finished,
                    tooLarge: tooLarge))
            finished(child)
        }
        return combine(results)
    }
}
