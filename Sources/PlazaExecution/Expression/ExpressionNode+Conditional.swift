import PlazaCore
import PlazaPlanner
import PlazaVector

extension Batch {
    /// A flat batch of the rows at `indices` (dictionary columns decoded).
    func gathered(_ indices: UnsafeBufferPointer<Int32>) -> Batch {
        Batch(columns: columns.map { GatherKernel.gather($0, indices) }, count: indices.count)
    }

    /// A flat batch without a selection: the live rows copied when a selection is set.
    func compacted() -> Batch {
        guard let selection else { return self }
        return gathered(UnsafeBufferPointer(selection.buffer))
    }

    /// Without a selection, copying the live rows of `read` only: the other columns keep their
    /// vectors, longer than the batch, which the caller does not read.
    func compacted(reading read: some Sequence<Int>) -> Batch {
        guard let selection else { return self }
        let indices = UnsafeBufferPointer(selection.buffer)
        var columns = self.columns
        for column in read { columns[column] = GatherKernel.gather(columns[column], indices) }
        return Batch(columns: columns, count: indices.count)
    }
}

/// Searched CASE: each branch's condition is evaluated only on rows no earlier branch took, and
/// each result only on the rows it supplies, so a branch never fails on rows it does not answer.
/// A constant result needs only a row count: no columns are gathered for it (`THEN 1 ELSE 0`).
final class CaseNode: ExpressionNode, @unchecked Sendable {
    let type: DataType
    let branches: [(ExpressionNode, ExpressionNode)]
    let otherwise: ExpressionNode

    /// Whether no condition or result can fail and the result is fixed-width: then every branch runs
    /// over the whole batch and each row picks its value with a mask (no gathers, no row lists).
    let selectsPerRow: Bool
    /// The one column the CASE reads, when `selectsPerRow` and it reads exactly one: over a
    /// dictionary vector the CASE runs once per entry (`CASE WHEN colonia = '…' THEN 1 …`).
    let onlyColumn: Int?
    /// The per-entry results of the last few dictionaries seen.
    private let entryCache = EntryCache()

    /// A CASE that selects per row already runs every branch over every row, so it may run over
    /// rows a selection leaves out (a table's deleted rows) instead of over a gathered copy.
    var neverFails: Bool { selectsPerRow }

    init(branches: [(ExpressionNode, ExpressionNode)], otherwise: ExpressionNode, type: DataType) {
        self.branches = branches
        self.otherwise = otherwise
        self.type = type
        selectsPerRow =
            [1, 4, 8, 16].contains(type.physicalType.byteWidth) && type.physicalType != .string
            && CaseNode.cannotFail(otherwise)
            && branches.allSatisfy { CaseNode.cannotFail($0.0) && CaseNode.cannotFail($0.1) }
        // The parts' columns (`ScanPlan.columns(of: self)` cannot run before init ends).
        let parts = [otherwise] + branches.flatMap { [$0.0, $0.1] }
        let columns = parts.map { ScanPlan.columns(of: $0) }
        let read = columns.contains { $0 == nil } ? nil : columns.reduce(Set<Int>()) { $0.union($1!) }
        onlyColumn = selectsPerRow && read?.count == 1 ? read?.first : nil
    }

    /// Whether evaluating `node` over a batch's rows never throws (comparisons with a constant and
    /// AND/OR of such never do, though they do not claim `neverFails` for rows a selection dropped).
    static func cannotFail(_ node: ExpressionNode) -> Bool {
        if node.neverFails { return true }
        if let compare = node as? CompareConstantNode { return cannotFail(compare.input) }
        if let logic = node as? LogicNode { return logic.arguments.allSatisfy(cannotFail) }
        // Tests that compare or match and never throw (TPC-H Q14's `p_type LIKE 'PROMO%'`).
        if let call = node as? FunctionNode, let name = call.name, CaseNode.neverFailingTests.contains(name) {
            return call.arguments.allSatisfy(cannotFail)
        }
        return false
    }

    /// Functions whose kernels never throw, whatever the rows hold.
    private static let neverFailingTests: Set<ScalarFunction> = [
        .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .isNull, .isNotNull, .isDistinctFrom,
        .isNotDistinctFrom, .not, .and, .or, .like, .ilike, .startsWith, .contains,
    ]

    func evaluate(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        if let coded = try overEntries(batch) { return coded.flattened() }
        if selectsPerRow { return try selectPerRow(batch) }
        let count = batch.count
        var remaining = (0..<count).map { Int32($0) }
        var sources: [ColumnVector] = []
        var which = [Int32](repeating: -1, count: count)
        var position = [Int32](repeating: 0, count: count)
        for (condition, result) in branches {
            if remaining.isEmpty { break }
            let subset = remaining.count == count ? batch : remaining.withUnsafeBufferPointer { batch.gathered($0) }
            let flags = try condition.evaluate(subset)
            var taken: [Int32] = []
            var kept: [Int32] = []
            if flags.type == .null {
                kept = remaining
            } else {
                // A NULL condition is not true: its row stays for the next branch.
                let values = flags.data.assumingMemoryBound(to: UInt8.self)
                let validity = flags.validity  // read once: no class access per row
                taken.reserveCapacity(remaining.count)
                kept.reserveCapacity(remaining.count)
                for i in 0..<remaining.count {
                    if validity.isValid(at: i) && values[i] != 0 {
                        taken.append(Int32(i))
                    } else {
                        kept.append(remaining[i])
                    }
                }
            }
            if !taken.isEmpty {
                let chosen =
                    result.constant != nil
                    ? Batch(columns: [], count: taken.count)
                    : taken.count == subset.count ? subset : taken.withUnsafeBufferPointer { subset.gathered($0) }
                let vector = try result.evaluate(chosen)
                let id = Int32(sources.count)
                sources.append(vector)
                for (k, i) in taken.enumerated() {
                    let row = Int(remaining[Int(i)])
                    which[row] = id
                    position[row] = Int32(k)
                }
            }
            remaining = kept
        }
        if !remaining.isEmpty && otherwise.constant != .null {
            let subset =
                otherwise.constant != nil
                ? Batch(columns: [], count: remaining.count)
                : remaining.count == count ? batch : remaining.withUnsafeBufferPointer { batch.gathered($0) }
            let vector = try otherwise.evaluate(subset)
            let id = Int32(sources.count)
            sources.append(vector)
            for (k, row) in remaining.enumerated() {
                which[Int(row)] = id
                position[Int(row)] = Int32(k)
            }
        }
        return assemble(sources, which, position, type: type, count: count)
    }
}

extension CaseNode {
    func evaluateEncoded(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        if let coded = try overEntries(batch) { return coded }
        return try evaluate(batch)
    }

    /// The CASE over a dictionary column computed once per entry (and once for NULL when the
    /// column has NULL rows), as a dictionary vector with the column's codes; nil when it does
    /// not apply (another column, a flat column, or an entry whose value is NULL).
    private func overEntries(_ batch: Batch) throws(ExecutionError) -> ColumnVector? {
        guard let column = onlyColumn, column < batch.columns.count, batch.selection == nil else { return nil }
        let input = batch.columns[column]
        guard let dictionary = input.dictionary, dictionary.count > 0 else { return nil }
        let withNull = input.hasNulls
        let entries = try entryCache.entries(of: dictionary, withNull: withNull) { () throws(ExecutionError) in
            let values = withNull ? EntryCache.withNullEntry(dictionary) : dictionary
            // Only `column` is read: every position may hold the entries.
            let columns = [ColumnVector](repeating: values, count: batch.columns.count)
            let computed = try selectPerRow(Batch(columns: columns, count: values.count))
            return computed.hasNulls ? nil : computed
        }
        guard let entries else { return nil }
        return EntryCache.coded(entries, codesOf: input, type: type, count: batch.count, nullEntry: withNull)
    }

    /// `evaluate` when `selectsPerRow`: the ELSE over every row, then each branch from the last to
    /// the first over every row, its value taken where its condition is true (a mask per 64 rows
    /// and a branch-free select per row), so earlier branches win.
    func selectPerRow(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        let count = batch.count
        let out = ColumnVector(type: type, capacity: Swift.max(count, 1))
        out.setCount(count)
        let width = out.byteWidth, words = ValidityBitmap.wordCount(for: count)
        let valid = UnsafeMutablePointer<UInt64>.allocate(capacity: Swift.max(words, 1))
        let take = UnsafeMutablePointer<UInt64>.allocate(capacity: Swift.max(words, 1))
        defer {
            valid.deallocate()
            take.deallocate()
        }
        let base = try otherwise.evaluate(batch)
        if base.type == .null {
            out.data.initializeMemory(as: UInt8.self, repeating: 0, count: count * width)
            valid.initialize(repeating: 0, count: words)
        } else {
            out.data.copyMemory(from: base.data, byteCount: count * width)
            if let bits = base.validity.words {
                valid.update(from: bits, count: words)
            } else {
                valid.initialize(repeating: ~0, count: words)
            }
        }
        for (condition, result) in branches.reversed() {
            let flags = try condition.evaluate(batch)
            if flags.type == .null { continue }  // NULL is not true: no row takes this branch
            FilterMask.setAll(take, count: count)
            FilterMask.andFlags(
                take, count: count, flags: flags.data.assumingMemoryBound(to: UInt8.self), validity: flags.validity)
            if FilterMask.isEmpty(take, words: words) { continue }
            let values = try result.evaluate(batch)
            if values.type == .null {
                for w in 0..<words { valid[w] &= ~take[w] }
                continue
            }
            switch width {
            case 1: CaseNode.select(UInt8.self, out.data, values.data, take, count)
            case 4: CaseNode.select(UInt32.self, out.data, values.data, take, count)
            case 8: CaseNode.select(UInt64.self, out.data, values.data, take, count)
            default: CaseNode.select(UInt128.self, out.data, values.data, take, count)
            }
            let valueValidity = values.validity.words
            for w in 0..<words { valid[w] = (take[w] & (valueValidity?[w] ?? ~0)) | (~take[w] & valid[w]) }
        }
        // NULL rows hold zeros, as every kernel's output does.
        var nulls: UInt64 = 0
        for w in 0..<words {
            let end = Swift.min(64, count &- w &* 64)
            let live: UInt64 = end == 64 ? ~0 : (1 &<< UInt64(end)) &- 1
            nulls |= ~valid[w] & live
        }
        if nulls != 0 {
            for row in 0..<count where valid[row &>> 6] & (1 &<< UInt64(row & 63)) == 0 {
                (out.data + row * width).initializeMemory(as: UInt8.self, repeating: 0, count: width)
                out.setValid(false, at: row)
            }
        }
        return out
    }

    /// Row `r` of `target` becomes row `r` of `source` where bit `r` of `take` is set.
    @inline(__always)
    private static func select<T: FixedWidthInteger & UnsignedInteger>(
        _: T.Type, _ target: UnsafeMutableRawPointer, _ source: UnsafeMutableRawPointer,
        _ take: UnsafeMutablePointer<UInt64>, _ count: Int
    ) {
        let out = target.assumingMemoryBound(to: T.self), values = source.assumingMemoryBound(to: T.self)
        for row in 0..<count {
            let bit = T(truncatingIfNeeded: (take[row &>> 6] &>> UInt64(row & 63)) & 1)
            let mask = T.zero &- bit  // all ones where taken
            out[row] = (values[row] & mask) | (out[row] & ~mask)
        }
    }
}

/// Builds a vector whose row `r` is `sources[which[r]][position[r]]` (NULL where `which[r] < 0`).
///
/// Fixed-width types copy through raw pointers taken once per source, one loop per width, so a
/// row costs a load and a store (no class access, retain or exclusivity check per row: CASE under
/// an aggregate runs this for every row).
func assemble(_ sources: [ColumnVector], _ which: [Int32], _ position: [Int32], type: DataType, count: Int)
    -> ColumnVector
{
    let out = ColumnVector(type: type, capacity: Swift.max(count, 1))
    if out.physicalType == .string { return assembleStrings(out, sources, which, position, count: count) }
    let width = out.byteWidth
    // Per source: its values, and its validity words when it has NULLs (a NULL-typed source is all NULL).
    let bases = sources.map { UnsafeRawPointer($0.data) }
    let validity = sources.map(\.validity)
    let allNull = sources.map { $0.type == .null }
    out.setCount(count)
    let target = out.data
    which.withUnsafeBufferPointer { which in
        position.withUnsafeBufferPointer { position in
            switch width {
            case 1: scatter(UInt8.self, target, bases, which, position, count)
            case 4: scatter(UInt32.self, target, bases, which, position, count)
            case 8: scatter(UInt64.self, target, bases, which, position, count)
            case 16: scatter(UInt128.self, target, bases, which, position, count)
            default:
                for row in 0..<count where which[row] >= 0 {
                    (target + row * width).copyMemory(
                        from: bases[Int(which[row])] + Int(position[row]) * width, byteCount: width)
                }
            }
            for row in 0..<count {
                let id = Int(which[row])
                let isNull: Bool
                if id < 0 || allNull[id] {
                    isNull = true
                } else {
                    isNull = !validity[id].isValid(at: Int(position[row]))
                }
                if isNull {
                    (target + row * width).initializeMemory(as: UInt8.self, repeating: 0, count: width)
                    out.setValid(false, at: row)
                }
            }
        }
    }
    return out
}

/// Copies `T` values from `bases[which[r]]` at `position[r]` to row `r`, skipping rows with no source.
@inline(__always)
private func scatter<T>(
    _: T.Type, _ target: UnsafeMutableRawPointer, _ bases: [UnsafeRawPointer], _ which: UnsafeBufferPointer<Int32>,
    _ position: UnsafeBufferPointer<Int32>, _ count: Int
) {
    let out = target.assumingMemoryBound(to: T.self)
    bases.withUnsafeBufferPointer { bases in
        for row in 0..<count {
            let id = Int(which[row])
            if id < 0 { continue }
            out[row] = bases[id].load(fromByteOffset: Int(position[row]) &* MemoryLayout<T>.stride, as: T.self)
        }
    }
}

/// The string case of `assemble`: appended in row order (offsets grow with the rows).
private func assembleStrings(
    _ out: ColumnVector, _ sources: [ColumnVector], _ which: [Int32], _ position: [Int32], count: Int
) -> ColumnVector {
    // Every text source a dictionary vector over one dictionary (a column beside NULL, as grouping
    // sets and `CASE WHEN … THEN col END` give): the codes are gathered and the dictionary kept,
    // so no string is copied and later grouping still works on codes.
    let texts = sources.filter { $0.type != .null }
    if let dictionary = texts.first?.dictionary, texts.allSatisfy({ $0.dictionary === dictionary }) {
        let codes = sources.map { $0.type == .null ? nil : UnsafePointer($0.values(as: UInt32.self).baseAddress!) }
        let validity = sources.map(\.validity)
        out.makeDictionary(dictionary, count: count)
        let target = out.values(as: UInt32.self)
        let flags = UnsafeMutablePointer<UInt32>.allocate(capacity: Swift.max(count, 1))
        defer { flags.deallocate() }
        var nulls = 0
        for row in 0..<count {
            let id = Int(which[row])
            let at = Int(position[row])
            if id >= 0, let source = codes[id], validity[id].isValid(at: at) {
                target[row] = source[at]
                flags[row] = 1
            } else {
                target[row] = 0
                flags[row] = 0
                nulls += 1
            }
        }
        if nulls > 0 { out.setValidity(flags: flags, count: count, at: 0) }
        return out
    }
    // Flat text: each row's bytes located through pointers taken once per source (no class
    // access per row), the total reserved once, then copied.
    let views: [(offsets: UnsafePointer<Int32>, heap: UnsafeRawPointer, codes: UnsafePointer<UInt32>?)?] =
        sources.map { source in
            guard source.type != .null else { return nil }
            if let dictionary = source.dictionary {
                return (
                    UnsafePointer(dictionary.offsets), UnsafeRawPointer(dictionary.heap),
                    UnsafePointer(source.values(as: UInt32.self).baseAddress!)
                )
            }
            return (UnsafePointer(source.offsets), UnsafeRawPointer(source.heap), nil)
        }
    let validity = sources.map(\.validity)
    let starts = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(count, 1))
    let lengths = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(count, 1))
    let flags = UnsafeMutablePointer<UInt32>.allocate(capacity: Swift.max(count, 1))
    defer {
        starts.deallocate()
        lengths.deallocate()
        flags.deallocate()
    }
    var total = 0
    var nulls = 0
    for row in 0..<count {
        let id = Int(which[row])
        let at = Int(position[row])
        guard id >= 0, let view = views[id], validity[id].isValid(at: at) else {
            lengths[row] = 0
            starts[row] = 0
            flags[row] = 0
            nulls += 1
            continue
        }
        let entry = view.codes.map { Int($0[at]) } ?? at
        let start = Int(view.offsets[entry])
        starts[row] = start
        lengths[row] = Int(view.offsets[entry + 1]) - start
        flags[row] = 1
        total += lengths[row]
    }
    out.reserveHeap(total)
    let offsets = out.offsets
    let heap = out.heap
    var written = 0
    offsets[0] = 0
    for row in 0..<count {
        let length = lengths[row]
        if length > 0, let view = views[Int(which[row])] {
            (heap + written).copyMemory(from: view.heap + starts[row], byteCount: length)
        }
        written += length
        offsets[row + 1] = Int32(written)
    }
    out.setHeapCount(written)
    out.setCount(count)
    if nulls > 0 { out.setValidity(flags: flags, count: count, at: 0) }
    return out
}

/// `needle IN (constants…)` or `needle [NOT] IN (subquery)`: a hash-set probe, three-valued.
final class InSetNode: ExpressionNode, @unchecked Sendable {
    let type: DataType
    let needle: ExpressionNode
    let table: GroupTable
    let hasNull: Bool
    let isNegated: Bool
    /// The set's values when it has at most `smallCount` of a 64- or 32-bit integer type (BIGINT,
    /// DECIMAL, TIMESTAMP, DATE): compared one by one, branch-free, instead of probing the table.
    let smallValues: [Int64]?
    /// Up to this many values, comparing each beats hashing (`i IN (1, 2, 3, 5, 8)`: 19 ns a row).
    static let smallCount = 8

    init(needle: ExpressionNode, table: GroupTable, hasNull: Bool, isNegated: Bool, smallValues: [Int64]? = nil) {
        self.needle = needle
        self.table = table
        self.hasNull = hasNull
        self.isNegated = isNegated
        self.smallValues = smallValues
        self.type = .boolean
    }

    /// A set of the non-NULL values of `columns` (cast to `type`), whether any was NULL, and the
    /// values themselves when they are few and integers (`smallValues`).
    static func build(type: DataType, columns: [ColumnVector]) throws(ExecutionError) -> (
        table: GroupTable, hasNull: Bool, small: [Int64]?
    ) {
        let table = try GroupTable(types: [type], tracker: nil, operatorName: "IN")
        var hasNull = false
        var small: [Int64]? = type.physicalType == .int64 || type.physicalType == .int32 ? [] : nil
        for raw in columns where raw.count > 0 {
            var column = raw.flattened()
            if column.type != type && column.type != .null {
                column = try CastKernels.kernel(from: column.type, to: type, isTry: false)([column], column.count)
            }
            var valid: [Int32] = []
            for row in 0..<column.count {
                if column.type != .null && column.isValid(at: row) { valid.append(Int32(row)) } else { hasNull = true }
            }
            if valid.isEmpty { continue }
            let dense = valid.withUnsafeBufferPointer { GatherKernel.gather(column, $0) }
            let groups = UnsafeMutablePointer<Int32>.allocate(capacity: dense.count)
            defer { groups.deallocate() }
            try table.findOrInsert([dense], rowCount: dense.count, into: groups)
            for row in 0..<dense.count where small != nil {
                let value =
                    dense.physicalType == .int64
                    ? dense.data.load(fromByteOffset: row * 8, as: Int64.self)
                    : Int64(dense.data.load(fromByteOffset: row * 4, as: Int32.self))
                if !small!.contains(value) { small!.append(value) }
                if small!.count > smallCount { small = nil }
            }
        }
        return (table, hasNull, small)
    }

    func evaluate(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        let count = batch.count
        let values = try needle.evaluate(batch)
        let out = makeOutput(.boolean, count)
        let result = out.data.assumingMemoryBound(to: UInt8.self)
        if values.type == .null {
            for row in 0..<count { out.setValid(false, at: row) }
            return out
        }
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(count, 1))
        defer { groups.deallocate() }
        if let smallValues, values.physicalType == .int64 || values.physicalType == .int32 {
            // Each row against each value, OR-ed: group 0 when found, -1 when not (as `find` marks them).
            smallValues.withUnsafeBufferPointer { list in
                if values.physicalType == .int64 {
                    let input = values.data.assumingMemoryBound(to: Int64.self)
                    for row in 0..<count {
                        let x = input[row]
                        var hit: UInt8 = 0
                        for value in list { hit |= unsafeBitCast(x == value, to: UInt8.self) }
                        groups[row] = Int32(hit) &- 1
                    }
                } else {
                    let input = values.data.assumingMemoryBound(to: Int32.self)
                    for row in 0..<count {
                        let x = Int64(input[row])
                        var hit: UInt8 = 0
                        for value in list { hit |= unsafeBitCast(x == value, to: UInt8.self) }
                        groups[row] = Int32(hit) &- 1
                    }
                }
            }
        } else {
            table.find([values], rowCount: count, into: groups, using: KeyPacker())
        }
        let found: UInt8 = isNegated ? 0 : 1
        for row in 0..<count { result[row] = groups[row] >= 0 ? found : 1 - found }
        // NULL rows: a NULL value (except against an empty set without NULL: false), and a value not
        // found in a set holding NULL. Bits cleared through a local pointer: `setValid` per row cost
        // an exclusivity check, over half of the time.
        let inputWords: UnsafeMutablePointer<UInt64>? = values.hasNulls ? values.validityWords : nil
        guard inputWords != nil || hasNull else { return out }
        let nullWhenNull = !(table.groupCount == 0 && !hasNull)
        out.setValid(false, at: 0)  // creates the bitmap, all valid but row 0
        let words = out.validityWords
        words[0] |= 1
        for row in 0..<count {
            let isValueValid = inputWords.map { $0[row &>> 6] &>> UInt64(row & 63) & 1 != 0 } ?? true
            let isNull = isValueValid ? hasNull && groups[row] < 0 : nullWhenNull
            words[row &>> 6] &= ~(UInt64(unsafeBitCast(isNull, to: UInt8.self)) &<< UInt64(row & 63))
        }
        return out
    }
}

/// `needle IN (e1, e2, …)` with non-constant elements: three-valued OR of equalities.
final class InListNode: ExpressionNode, @unchecked Sendable {
    let type: DataType
    let needle: ExpressionNode
    let list: [ExpressionNode]

    init(needle: ExpressionNode, list: [ExpressionNode]) {
        self.needle = needle
        self.list = list
        self.type = .boolean
    }

    func evaluate(_ batch: Batch) throws(ExecutionError) -> ColumnVector {
        let count = batch.count
        let left = try needle.evaluate(batch)
        let out = makeOutput(.boolean, count)
        let result = out.data.assumingMemoryBound(to: UInt8.self)
        result.initialize(repeating: 0, count: count)
        var unknown = [Bool](repeating: false, count: count)
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(count, 1))
        defer { scratch.deallocate() }
        for element in list {
            let right = try element.evaluate(batch)
            if left.type == .null || right.type == .null {
                for row in 0..<count { unknown[row] = true }
                continue
            }
            CompareKernel.compare(left, right, .equal, count: count, into: scratch)
            for row in 0..<count {
                if left.isValid(at: row) && right.isValid(at: row) {
                    result[row] |= scratch[row]
                } else {
                    unknown[row] = true
                }
            }
        }
        for row in 0..<count where result[row] == 0 && unknown[row] { out.setValid(false, at: row) }
        return out
    }
}
