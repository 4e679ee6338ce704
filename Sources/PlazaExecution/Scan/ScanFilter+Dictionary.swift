import PlazaCore
import PlazaPlanner
import PlazaVector

/// Tests of a column read as dictionary codes: run once per entry, then applied by code.
extension ScanFilter {
    /// ANDs in the tests of `conjunct`'s column (`conjunct.sameColumn`) on a dictionary vector:
    /// their results per entry ANDed (cached per thread), then by code; tests that only one entry
    /// passes compare codes, none clears the mask.
    func andDictionary(
        _ mask: UnsafeMutablePointer<UInt64>, count: Int, vector: ColumnVector, dictionary: ColumnVector,
        _ conjunct: Conjunct, _ scratch: FilterScratch, _ worker: WorkerState
    ) throws(ExecutionError) {
        let test = try dictionaryTest(conjunct, dictionary, scratch, worker)
        switch test.passing {
        case -1: mask.update(repeating: 0, count: ValidityBitmap.wordCount(for: count))
        case -2:
            if let run = test.run {
                // Passing entries in one run of codes: one range test of the codes, a vector of
                // them at a time, instead of a table lookup per row.
                FilterMask.andCodeRange(mask, count: count, vector: vector, run)
            } else {
                FilterMask.andCodes(mask, count: count, vector: vector, matches: test.matches)
            }
        default: FilterMask.andCode(mask, count: count, vector: vector, code: UInt32(test.passing))
        }
    }

    /// The results per entry of `dictionary` of the tests of `conjunct`'s column (`sameColumn`),
    /// ANDed, cached per thread for the last dictionary seen.
    func dictionaryTest(
        _ conjunct: Conjunct, _ dictionary: ColumnVector, _ scratch: FilterScratch, _ worker: WorkerState
    ) throws(ExecutionError) -> FilterScratch.DictionaryTest {
        let key = CacheKey(stage: ObjectIdentifier(self), conjunct: conjunct.key)
        let test: FilterScratch.DictionaryTest
        if let cached = scratch.tests[key], cached.dictionary === dictionary {
            test = cached
        } else {
            var matches: [UInt8] = []
            for position in conjunct.sameColumn {
                let member = conjuncts[position]
                let more = try stage.dictionaryMatches(dictionary, member.node, key: member.key, worker)
                if matches.isEmpty {
                    matches = more
                } else {
                    for entry in matches.indices { matches[entry] &= more[entry] }
                }
            }
            var found = -1, first = -1, n = 0
            for entry in 0..<dictionary.count where matches[entry] != 0 {
                if first < 0 { first = entry }
                found = entry
                n += 1
            }
            test = FilterScratch.DictionaryTest(
                dictionary: dictionary, matches: matches, passing: n == 0 ? -1 : (n == 1 ? found : -2),
                run: n > 1 && found - first + 1 == n ? first...found : nil)
            scratch.tests[key] = test
        }
        return test
    }
}
