import PlazaCore
import PlazaPlanner
import PlazaVector

/// Identifies a probe stage's per-worker cache of dictionary entry answers in `WorkerState`.
final class JoinEntryCacheToken {}

/// The probe of a single dictionary-encoded key against a table whose keys are unique (or a
/// SEMI/ANTI join), without a residual.
///
/// Each dictionary entry is looked up once per dictionary (row group and worker): the answer is
/// the build row it matches and, for every build column with a dictionary, the code of that row's
/// value. A batch then costs one array load per row for the selection and one per row and build
/// column for the output codes, with no hashing, no build-row gather and no per-row allocation.
extension ProbeStage {
    /// Joins `batch` when its key column is dictionary-encoded; nil otherwise.
    ///
    /// - Parameters:
    ///   - matched: gets a 1 for every build row a kept row matched (an outer join that keeps
    ///     the build side's unmatched rows).
    func dictionaryOutput(
        _ batch: Batch, keyColumn: Int, _ worker: WorkerState, matched: UnsafeMutablePointer<UInt8>?
    ) -> [Batch]? {
        let vector = batch.columns[keyColumn]
        guard let dictionary = vector.dictionary else { return nil }
        let cacheKey = ObjectIdentifier(entryCacheToken)
        if worker.dictionaryGroups[cacheKey]?.dictionary !== dictionary {
            worker.dictionaryGroups[cacheKey] = (dictionary, entryAnswers(dictionary))
        }
        let answers = worker.dictionaryGroups[cacheKey]!.groups
        let stride = Swift.max(dictionary.count, 1)
        return answers.withUnsafeBufferPointer { map in
            output(batch, vector, entries: map.baseAddress!, stride: stride, matched: matched)
        }
    }

    /// Per entry of `dictionary`, in sections of `max(dictionary.count, 1)`: the build row it
    /// matches (-1: none, or a NULL entry), then per dictionary build column the code of that row's
    /// value (-1: no match or NULL).
    func entryAnswers(_ dictionary: ColumnVector) -> [Int32] {
        let entries = dictionary.count
        let stride = Swift.max(entries, 1)
        var answers = [Int32](repeating: -1, count: stride * (1 + dictionaryColumnCount))
        if entries == 0 { return answers }
        let table = self.table
        answers.withUnsafeMutableBufferPointer { buffer in
            let rows = buffer.baseAddress!
            table.find([dictionary], count: entries, into: rows, packer: KeyPacker())
            let heads = table.heads
            for entry in 0..<entries {
                let group = rows[entry]
                rows[entry] = group >= 0 ? heads[Int(group)] : -1
            }
            for (column, slot) in dictionarySlots.enumerated() where slot >= 0 {
                let section = rows + stride * (1 + slot)
                let codes = table.codes[column]!
                let validity = table.columns[column].validity
                for entry in 0..<entries {
                    let row = Int(rows[entry])
                    section[entry] = row >= 0 && validity.isValid(at: row) ? Int32(truncatingIfNeeded: codes[row]) : -1
                }
            }
        }
        return answers
    }

    private func output(
        _ batch: Batch, _ vector: ColumnVector, entries: UnsafePointer<Int32>, stride: Int,
        matched: UnsafeMutablePointer<UInt8>?
    ) -> [Batch] {
        let count = batch.count
        let codes = UnsafePointer(vector.data.assumingMemoryBound(to: UInt32.self))
        let validity = vector.validity
        let allValid = validity.isAllValid
        let selection = SelectionVector(capacity: Swift.max(batch.liveCount, 1))
        let out = selection.indices
        // Rows kept: SEMI and INNER keep matches, ANTI keeps misses with a non-NULL key, NOT EXISTS
        // keeps misses, LEFT keeps all.
        let keepMatch = kind == .anti || kind == .notExists ? 0 : 1
        let keepMiss = kind == .inner || kind == .semi ? 0 : 1
        let keepNull = kind == .left || kind == .notExists ? 1 : 0
        var n = 0
        if let input = batch.selection {
            let rows = input.indices
            if allValid {
                for i in 0..<input.count {
                    let row = rows[i]
                    out[n] = row
                    n &+= entries[Int(codes[Int(row)])] >= 0 ? keepMatch : keepMiss
                }
            } else {
                for i in 0..<input.count {
                    let row = rows[i]
                    out[n] = row
                    n &+=
                        validity.isValid(at: Int(row))
                        ? (entries[Int(codes[Int(row)])] >= 0 ? keepMatch : keepMiss) : keepNull
                }
            }
        } else if allValid {
            for row in 0..<count {
                out[n] = Int32(truncatingIfNeeded: row)
                n &+= entries[Int(codes[row])] >= 0 ? keepMatch : keepMiss
            }
        } else {
            for row in 0..<count {
                out[n] = Int32(truncatingIfNeeded: row)
                n &+= validity.isValid(at: row) ? (entries[Int(codes[row])] >= 0 ? keepMatch : keepMiss) : keepNull
            }
        }
        if n == 0 { return [] }
        selection.count = n
        if let matched {
            for i in 0..<n {
                let row = Int(out[i])
                if allValid || validity.isValid(at: row) {
                    let buildRow = entries[Int(codes[row])]
                    if buildRow >= 0 { matched[Int(buildRow)] = 1 }
                }
            }
        }
        if kind.isFilter {
            return [
                Batch(
                    columns: assemble(probe: { batch.columns[$0] }, build: { _ in preconditionFailure() }),
                    count: count,
                    selection: n == count ? nil : selection)
            ]
        }
        // Few rows left: copy them out rather than write build codes for every physical row.
        let compact = n * 4 < count
        let kept: UnsafePointer<Int32>? = compact ? UnsafePointer(out) : nil
        let outputCount = compact ? n : count
        var buildRows: UnsafeMutablePointer<Int32>? = nil
        defer { buildRows?.deallocate() }
        func buildColumn(_ column: Int) -> ColumnVector {
            let slot = dictionarySlots[column]
            if slot >= 0 {
                return dictionaryColumn(
                    column, codes, validity, section: entries + stride * (1 + slot), kept: kept, count: outputCount)
            }
            if buildRows == nil {
                // The build row of every output row, for columns gathered by value.
                let rows = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(outputCount, 1))
                for i in 0..<outputCount {
                    let row = kept.map { Int($0[i]) } ?? i
                    rows[i] = allValid || validity.isValid(at: row) ? entries[Int(codes[row])] : -1
                }
                buildRows = rows
            }
            return GatherKernel.gather(table.columns[column], UnsafeBufferPointer(start: buildRows, count: outputCount))
        }
        let keptRows = UnsafeBufferPointer(start: out, count: n)
        let columns = assemble(
            probe: { compact ? GatherKernel.gather(batch.columns[$0], keptRows) : batch.columns[$0] },
            build: buildColumn)
        return [Batch(columns: columns, count: outputCount, selection: compact || n == count ? nil : selection)]
    }

    /// Build column `column` for the output rows (`kept` rows of the probe batch, or all `count`
    /// physical rows), as codes into the column's dictionary read from the entries' `section`.
    private func dictionaryColumn(
        _ column: Int, _ codes: UnsafePointer<UInt32>, _ validity: ValidityBitmap, section: UnsafePointer<Int32>,
        kept: UnsafePointer<Int32>?, count: Int
    ) -> ColumnVector {
        let out = ColumnVector(type: table.columns[column].type, capacity: Swift.max(count, 1))
        out.makeDictionary(table.dictionaries[column]!, count: count)
        let target = out.data.assumingMemoryBound(to: UInt32.self)
        var signs: Int32 = 0
        // A negative answer (no match, NULL value, NULL key) writes code 0 and is made NULL below.
        if validity.isAllValid {
            if let kept {
                for i in 0..<count {
                    let value = section[Int(codes[Int(kept[i])])]
                    target[i] = UInt32(truncatingIfNeeded: Swift.max(value, 0))
                    signs |= value
                }
            } else {
                for i in 0..<count {
                    let value = section[Int(codes[i])]
                    target[i] = UInt32(truncatingIfNeeded: Swift.max(value, 0))
                    signs |= value
                }
            }
        } else {
            for i in 0..<count {
                let row = kept.map { Int($0[i]) } ?? i
                let value = validity.isValid(at: row) ? section[Int(codes[row])] : -1
                target[i] = UInt32(truncatingIfNeeded: Swift.max(value, 0))
                signs |= value
            }
        }
        if signs < 0 {
            for i in 0..<count {
                let row = kept.map { Int($0[i]) } ?? i
                if !validity.isValid(at: row) || section[Int(codes[row])] < 0 { out.setValid(false, at: i) }
            }
        }
        return out
    }
}
