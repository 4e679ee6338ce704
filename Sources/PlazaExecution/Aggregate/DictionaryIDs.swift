import PlazaCore
import PlazaVector

/// Replaces VARCHAR keys by dense BIGINT ids (one per distinct string), so that wide group keys
/// and DISTINCT sets hash and compare 9 bytes instead of the text.
///
/// A dictionary vector is translated once per dictionary entry and then by code (the dictionary
/// is the same instance for a whole row group); a flat vector is translated row by row. Ids are
/// local to one `DictionaryIDs`: decode them with `decode` before they meet another table.
final class DictionaryIDs {
    let strings: GroupTable
    /// The dictionary last seen, the id of each entry (-1: none yet) and how many have none.
    private var cached: (dictionary: ColumnVector, ids: [Int32], untranslated: Int)?
    /// Dictionaries up to this many entries are translated whole when first seen; larger ones
    /// (a join's text column) entry by entry as rows use them.
    static let eagerEntries = 1 << 12
    private var decoded: ColumnVector?

    /// Throws the memory-limit error, naming `operatorName`, when there is no room for the id table.
    init(tracker: MemoryTracker?, operatorName: String = "hash aggregate") throws(ExecutionError) {
        strings = try GroupTable(types: [.varchar], tracker: tracker, operatorName: operatorName)
    }

    /// A BIGINT vector of the ids of `vector`'s first `count` rows (NULL stays NULL).
    func translate(_ vector: ColumnVector, count: Int) throws(ExecutionError) -> ColumnVector {
        let out = makeOutput(.bigint, count)
        let output = out.data.assumingMemoryBound(to: Int64.self)
        let ids = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(count, 1))
        defer { ids.deallocate() }
        if let dictionary = vector.dictionary {
            if cached == nil || cached!.dictionary !== dictionary {
                cached = (dictionary, [Int32](repeating: -1, count: Swift.max(dictionary.count, 1)), dictionary.count)
                if dictionary.count > 0 && dictionary.count <= DictionaryIDs.eagerEntries {
                    // A storage block's dictionary: every entry at once, one table insert.
                    try assignIDs(to: Array(0..<Int32(dictionary.count)), of: dictionary)
                }
            }
            let codes = vector.values(as: UInt32.self)
            let validity = vector.validity
            if cached!.untranslated > 0 { try translateMissing(codes, validity, count, dictionary) }
            cached!.ids.withUnsafeBufferPointer { map in
                if validity.isAllValid {
                    for row in 0..<count { output[row] = Int64(map[Int(codes[row])]) }
                } else {
                    // NULL rows may hold any code; never index with it.
                    for row in 0..<count { output[row] = validity.isValid(at: row) ? Int64(map[Int(codes[row])]) : 0 }
                }
            }
        } else if count > 0 {
            try strings.findOrInsert([vector], rowCount: count, into: ids)
            for row in 0..<count { output[row] = Int64(ids[row]) }
            decoded = nil
        }
        if vector.hasNulls {
            for row in 0..<count where !vector.isValid(at: row) { out.setValid(false, at: row) }
        }
        return out
    }

    /// Gives an id to each entry of `dictionary` that a valid row of `codes` uses and that has none
    /// yet: only the entries met, since a join's dictionary can hold far more strings than reach
    /// the aggregate (TPC-H Q10: 150,000 customers' comments, 38,000 grouped).
    private func translateMissing(
        _ codes: UnsafeMutableBufferPointer<UInt32>, _ validity: ValidityBitmap, _ count: Int,
        _ dictionary: ColumnVector
    ) throws(ExecutionError) {
        var missing: [Int32] = []
        cached!.ids.withUnsafeMutableBufferPointer { map in
            for row in 0..<count where validity.isValid(at: row) {
                let code = Int(codes[row])
                if map[code] == -1 {
                    map[code] = -2  // listed once
                    missing.append(Int32(truncatingIfNeeded: code))
                }
            }
        }
        guard !missing.isEmpty else { return }
        missing.sort()  // in code order, so that all codes missing is the dictionary itself
        try assignIDs(to: missing, of: dictionary)
    }

    /// Gives ids to the `entries` (sorted codes without an id) of `dictionary`, the cached one.
    private func assignIDs(to missing: [Int32], of dictionary: ColumnVector) throws(ExecutionError) {
        decoded = nil
        let entries =
            missing.count == dictionary.count
            ? dictionary : missing.withUnsafeBufferPointer { GatherKernel.gather(dictionary, $0) }
        let ids = UnsafeMutablePointer<Int32>.allocate(capacity: missing.count)
        defer { ids.deallocate() }
        do {
            try strings.findOrInsert([entries], rowCount: missing.count, into: ids)
        } catch {
            cached = nil  // entries marked as listed would otherwise never get their id
            throw error
        }
        cached!.ids.withUnsafeMutableBufferPointer { map in
            for (i, code) in missing.enumerated() { map[Int(code)] = ids[i] }
        }
        cached!.untranslated -= missing.count
    }

    /// The text of every id, in id order (a new vector on each call).
    var texts: ColumnVector { strings.keyColumns(0..<strings.groupCount)[0] }

    /// The strings of a BIGINT id vector.
    func decode(_ ids: ColumnVector) -> ColumnVector {
        if decoded == nil || decoded!.count != strings.groupCount { decoded = texts }
        let rows = ids.values(as: Int64.self)
        let indices = (0..<ids.count).map { ids.isValid(at: $0) ? Int32(rows[$0]) : -1 }
        return indices.withUnsafeBufferPointer { GatherKernel.gather(decoded!, $0) }
    }
}
