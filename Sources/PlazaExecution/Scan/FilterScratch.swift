import PlazaCore
import PlazaPlanner
import PlazaVector

/// Per-thread buffers of a scan filter: the row mask and the 0/1 bytes of one comparison.
final class FilterScratch {
    /// The tests of one column on one dictionary, ANDed per entry.
    struct DictionaryTest {
        let dictionary: ColumnVector
        /// 0 or 1 per entry.
        let matches: [UInt8]
        /// The only passing entry, -1 for none, -2 for several.
        let passing: Int
        /// The first and last passing entries when those between pass too and no other does (a
        /// comparison or range over the sorted entries of §7.5), else nil.
        let run: ClosedRange<Int>?
    }
    /// Per column's first test: the last dictionary seen and its tests' results.
    var tests: [CacheKey: DictionaryTest] = [:]
    /// Per scan filter: this thread's copy of it (`ScanFilter.copy(for:)`).
    var filterCopies: [ObjectIdentifier: ScanFilter] = [:]
    /// Per join filter of a scan: how many rows it has let through on this thread.
    private var joinFilters: [CacheKey: JoinFilterStats] = [:]

    /// The counters of the join filter `key`, created on first use.
    func joinFilterStats(_ key: CacheKey) -> JoinFilterStats {
        if let stats = joinFilters[key] { return stats }
        let stats = JoinFilterStats()
        joinFilters[key] = stats
        return stats
    }
    private let maskWords: UnsafeMutablePointer<UInt64>
    private let maskCapacity: Int
    /// One byte per row, room for a batch.
    let flags: UnsafeMutablePointer<UInt8>
    private let flagCapacity: Int
    /// Row positions, room for a batch (the rows a deferred column is loaded at).
    let positions: UnsafeMutablePointer<Int32>

    init() {
        maskCapacity = ValidityBitmap.wordCount(for: ColumnVector.batchCapacity)
        maskWords = .allocate(capacity: maskCapacity)
        flagCapacity = ColumnVector.batchCapacity
        flags = .allocate(capacity: flagCapacity)
        // writePositions may store 8 positions past the last one it counts.
        positions = .allocate(capacity: flagCapacity + 8)
    }

    deinit {
        maskWords.deallocate()
        flags.deallocate()
        positions.deallocate()
    }

    /// The mask buffer for a batch of `count` rows.
    func mask(for count: Int) -> UnsafeMutablePointer<UInt64> {
        precondition(count <= flagCapacity, "a scan batch of \(count) rows exceeds \(flagCapacity)")
        return maskWords
    }
}

/// One thread's record of a join filter in a scan: a filter that lets almost every row through
/// (a fact table joined to a dimension holding every key) costs its test and saves nothing, so
/// it is turned off for the rest of the thread's scan.
final class JoinFilterStats {
    /// Rows tested and passed in the current window.
    private var tested = 0
    private var passed = 0
    /// Set once a window of 64K rows saw more than 7 in 8 pass.
    private(set) var isOff = false

    /// Adds one batch's counts; judges the filter once a window is full.
    func record(tested: Int, passed: Int) {
        self.tested &+= tested
        self.passed &+= passed
        guard self.tested >= 1 << 16 else { return }
        isOff = self.passed &* 8 > self.tested &* 7
        self.tested = 0
        self.passed = 0
    }
}
