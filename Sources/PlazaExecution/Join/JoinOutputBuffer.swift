import PlazaCore
import PlazaVector

/// Collects the small compact batches a selective probe produces into batches of about 2,048
/// rows, so that what the join holds (and what consumes it later) pays per-batch costs once per
/// 2,048 rows rather than once per probe batch.
///
/// A piece whose dictionaries differ from the pending pieces' (a new row group) first completes
/// the pending batch, so dictionary columns stay dictionary vectors (codes appended) and a GROUP
/// BY above the join still groups by code.
struct JoinOutputBuffer {
    private var pieces: [Batch] = []
    private var pendingRows = 0
    /// The batches completed so far.
    private(set) var batches: [Batch] = []

    /// Adds `batch` (compact: no selection, vectors not shared with anything that changes) and
    /// returns the batches completed by it.
    mutating func append(_ batch: Batch) -> [Batch] {
        precondition(batch.selection == nil, "join output buffer takes compact batches")
        if batch.count == 0 { return [] }
        var completed: [Batch] = []
        if let first = pieces.first, !zip(first.columns, batch.columns).allSatisfy({ $0.dictionary === $1.dictionary })
        {
            completed.append(flush()!)
        }
        if pieces.isEmpty && batch.count >= ColumnVector.batchCapacity / 2 {
            batches.append(batch)
            return completed + [batch]
        }
        pieces.append(batch)
        pendingRows += batch.count
        if pendingRows >= ColumnVector.batchCapacity { completed.append(flush()!) }
        return completed
    }

    /// Turns the pending pieces into one batch and returns it (nil when none is pending).
    @discardableResult
    mutating func flush() -> Batch? {
        if pieces.isEmpty { return nil }
        let merged: Batch
        if pieces.count == 1 {
            merged = pieces[0]
        } else {
            let columns = pieces[0].columns.indices.map { index in
                JoinOutputBuffer.concatenate(pieces.map { $0.columns[index] }, type: pieces[0].columns[index].type)
            }
            merged = Batch(columns: columns, count: pendingRows)
        }
        pieces.removeAll(keepingCapacity: true)
        pendingRows = 0
        batches.append(merged)
        return merged
    }

    /// One vector holding every row of `parts` in order: a dictionary vector when all parts are
    /// codes into the same dictionary, else a flat vector.
    static func concatenate(_ parts: [ColumnVector], type: DataType) -> ColumnVector {
        guard let dictionary = parts[0].dictionary, parts.allSatisfy({ $0.dictionary === dictionary }) else {
            return GatherKernel.concatenate(parts, type: type)
        }
        let total = parts.reduce(0) { $0 + $1.count }
        let out = ColumnVector(type: type, capacity: Swift.max(total, 1))
        out.makeDictionary(dictionary, count: total)
        let target = out.data.assumingMemoryBound(to: UInt32.self)
        var base = 0
        for part in parts {
            (target + base).update(from: part.data.assumingMemoryBound(to: UInt32.self), count: part.count)
            if part.hasNulls {
                for row in 0..<part.count where !part.isValid(at: row) { out.setValid(false, at: base + row) }
            }
            base += part.count
        }
        return out
    }
}
