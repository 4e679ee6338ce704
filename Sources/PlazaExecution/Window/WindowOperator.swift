import PlazaCore
import PlazaPlanner
import PlazaVector

/// Computes window functions over a materialized input: the input rows keep their order and each
/// call adds one column.
///
/// Calls that share PARTITION BY and ORDER BY share one sort (DuckDB's window sharing): the keys of
/// every row are encoded as byte strings, the row numbers sorted once, and each function walks the
/// sorted rows partition by partition with frames given as `[start, end)` positions.
final class WindowOperator: @unchecked Sendable {
    let calls: [WindowCall]
    let inputFields: [Field]
    let compiler: ExpressionCompiler
    let context: QueryContext

    init(calls: [WindowCall], inputFields: [Field], compiler: ExpressionCompiler, context: QueryContext) {
        self.calls = calls
        self.inputFields = inputFields
        self.compiler = compiler
        self.context = context
    }

    /// Inputs from this many rows with PARTITION BY are sorted in hash buckets on all threads.
    static let parallelSortRows = 16_384

    /// EXPLAIN ANALYZE's detail: the calls and the number of sorts.
    static func describe(_ calls: [WindowCall], _ fields: [Field]) -> String {
        let sorts = Set(calls.map { WindowSortKey(partitionBy: $0.partitionBy, orderBy: $0.orderBy) }).count
        return "\(sorts) sort\(sorts == 1 ? "" : "s"): " + calls.map { $0.description(fields) }.joined(separator: ", ")
    }

    /// The input batches with one column per call appended.
    func run(_ input: [Batch]) throws(ExecutionError) -> [Batch] {
        var batches = input.map { $0.compacted() }.filter { $0.count > 0 }
        var total = batches.reduce(0) { $0 + $1.count }
        guard total > 0 else { return [] }
        guard total < Int(Int32.max) else {
            throw ExecutionError(.memoryLimit, "a window over more than 2^31 rows is not supported")
        }
        if let top = try topRows(batches, total) {
            batches = top
            total = batches.reduce(0) { $0 + $1.count }
            guard total > 0 else { return [] }
        }
        var results = [ColumnVector?](repeating: nil, count: calls.count)
        // One sort per distinct PARTITION BY / ORDER BY.
        var groups: [WindowSortKey: [Int]] = [:]
        var groupOrder: [WindowSortKey] = []
        for (index, call) in calls.enumerated() {
            let key = WindowSortKey(partitionBy: call.partitionBy, orderBy: call.orderBy)
            if groups[key] == nil { groupOrder.append(key) }
            groups[key, default: []].append(index)
        }
        for key in groupOrder {
            try context.checkCancelled()
            let layout = try sortedLayout(key, batches, total)
            for index in groups[key]! {
                results[index] = try evaluate(calls[index], layout, batches)
            }
        }
        // Slice the results back into the input's batches.
        var output: [Batch] = []
        var offset = 0
        for batch in batches {
            let indices = (offset..<(offset + batch.count)).map { Int32($0) }
            var columns = batch.columns
            indices.withUnsafeBufferPointer { buffer in
                for result in results { columns.append(GatherKernel.gather(result!, buffer)) }
            }
            output.append(Batch(columns: columns, count: batch.count))
            offset += batch.count
        }
        return output
    }

    /// `expression` evaluated over every row, as one vector.
    func evaluateAll(_ expression: BoundExpression, _ batches: [Batch]) throws(ExecutionError) -> ColumnVector {
        let node = try compiler.compile(expression)
        var parts: [ColumnVector] = []
        for batch in batches { parts.append(try node.evaluate(batch)) }
        return ColumnConcatenation.concatenate(parts, type: expression.type)
    }

    /// Sorts the rows by partition and order keys and finds partitions and peer groups.
    private func sortedLayout(_ key: WindowSortKey, _ batches: [Batch], _ total: Int) throws(ExecutionError)
        -> WindowLayout
    {
        var orderVectors: [ColumnVector] = []
        for sortKey in key.orderBy { orderVectors.append(try evaluateAll(sortKey.expression, batches)) }
        // Per position in window order: 2 starts a partition, 1 a peer group, 0 neither.
        var order: [Int32]
        var marks: [UInt8]
        if let packed = try packedOrder(key, batches, total, orderVectors) {
            (order, marks) = packed
        } else {
            (order, marks) = try encodedOrder(key, batches, total, orderVectors)
        }
        var partitionStarts: [Int] = [0]
        var peerStart = [Int32](repeating: 0, count: total)
        var peerEnd = [Int32](repeating: 0, count: total)
        var groupStart: Int32 = 0
        for position in 1..<Swift.max(total, 1) {
            let mark = marks[position]
            if mark == 2 { partitionStarts.append(position) }
            if mark != 0 {
                for p in Int(groupStart)..<position { peerEnd[p] = Int32(position) }
                groupStart = Int32(position)
            }
            peerStart[position] = groupStart
        }
        for p in Int(groupStart)..<total { peerEnd[p] = Int32(total) }
        partitionStarts.append(total)
        if orderVectors.isEmpty {
            // Without ORDER BY every row of a partition is a peer of every other.
            for index in 0..<(partitionStarts.count - 1) {
                let start = partitionStarts[index], end = partitionStarts[index + 1]
                for p in start..<end {
                    peerStart[p] = Int32(start)
                    peerEnd[p] = Int32(end)
                }
            }
        }
        return WindowLayout(
            order: order, partitionStarts: partitionStarts, peerStart: peerStart, peerEnd: peerEnd,
            orderVectors: orderVectors, isFirstKeyDescending: key.orderBy.first?.isDescending ?? false)
    }

    /// The window order and its marks by byte-string keys (any key types): partitions sorted by
    /// their key, in hash buckets on all threads.
    private func encodedOrder(
        _ key: WindowSortKey, _ batches: [Batch], _ total: Int, _ orderVectors: [ColumnVector]
    ) throws(ExecutionError) -> (order: [Int32], marks: [UInt8]) {
        var partitionVectors: [ColumnVector] = []
        for expression in key.partitionBy { partitionVectors.append(try evaluateAll(expression, batches)) }
        var order = (0..<total).map { Int32($0) }
        let partitionDirections = key.partitionBy.map { _ in (isDescending: false, nullsFirst: false) }
        let orderDirections = key.orderBy.map { (isDescending: $0.isDescending, nullsFirst: $0.nullsFirst) }
        let full = SortKeyEncoder(
            partitionVectors + orderVectors, partitionDirections + orderDirections, count: total)
        let partitionKeys =
            partitionVectors.isEmpty ? nil : SortKeyEncoder(partitionVectors, partitionDirections, count: total)
        let threads = context.options.threads
        if let partitionKeys, threads > 1, total >= WindowOperator.parallelSortRows {
            order = WindowPartitioner.sortedRows(
                full: full, partitionKeys: partitionKeys, count: total, threads: threads)
        } else if !partitionVectors.isEmpty || !orderVectors.isEmpty {
            full.sort(&order)
        }
        var marks = [UInt8](repeating: 0, count: total)
        for position in 1..<Swift.max(total, 1) {
            let row = Int(order[position]), previous = Int(order[position - 1])
            if let partitionKeys, partitionKeys.compare(row, partitionKeys, previous) != 0 {
                marks[position] = 2
            } else if !orderVectors.isEmpty && full.compare(row, full, previous) != 0 {
                marks[position] = 1
            }
        }
        return (order, marks)
    }

    /// The window order and its marks by one packed integer per row, or nil when the ORDER BY keys
    /// do not pack into 64 bits: each partition becomes a dense number (partitions need not be
    /// ordered among themselves), followed by the ORDER BY keys' codes; the (key, row) pairs are
    /// radix sorted on all threads, and partitions and peers are where the key's bits change. When
    /// the partition number and the ORDER BY codes together need more than 64 bits (many partitions
    /// ordered by a timestamp or a DOUBLE), rows are first grouped by partition and each partition
    /// sorted by its ORDER BY codes alone.
    private func packedOrder(
        _ key: WindowSortKey, _ batches: [Batch], _ total: Int, _ orderVectors: [ColumnVector]
    ) throws(ExecutionError) -> (order: [Int32], marks: [UInt8])? {
        // Text packs as its rank; a DOUBLE's order bits make -0.0 and 0.0 (and all NaNs) one value.
        for sortKey in key.orderBy {
            let type = sortKey.expression.type
            guard type == .varchar || SortKeyRange.isPackable(type) else { return nil }
        }
        if key.partitionBy.isEmpty && key.orderBy.isEmpty { return nil }
        var orderKeys: [ColumnVector] = []
        for (sortKey, vector) in zip(key.orderBy, orderVectors) {
            orderKeys.append(
                sortKey.expression.type == .varchar ? try textRanks(sortKey.expression, batches, total) : vector)
        }
        let orderDirections = key.orderBy.map { (isDescending: $0.isDescending, nullsFirst: $0.nullsFirst) }
        var orderRanges: [SortKeyRange] = []
        for vector in orderKeys {
            var range = SortKeyRange()
            range.add(vector, count: total)
            orderRanges.append(range)
        }
        guard let orderLayout = PackedKeyLayout(orderRanges, orderDirections) else { return nil }
        guard !key.partitionBy.isEmpty else {
            return try sortPacked([], orderKeys, orderRanges, orderDirections, total, orderBits: orderLayout.totalBits)
        }
        let (partitions, partitionCount) = try partitionNumbers(key.partitionBy, batches, total)
        var partitionRange = SortKeyRange()
        partitionRange.add(partitions, count: total)
        let ranges = [partitionRange] + orderRanges
        if let layout = PackedKeyLayout(ranges, [(isDescending: false, nullsFirst: false)] + orderDirections) {
            return try sortPacked(
                [partitions], orderKeys, ranges, [(isDescending: false, nullsFirst: false)] + orderDirections, total,
                orderBits: layout.totalBits - layout.parts[0].bits)
        }
        return try sortByPartition(partitions, partitionCount, orderKeys, orderLayout, total)
    }

    /// Sorts rows by `partitionKeys` (zero or one dense-number vector) then `orderKeys`, packed
    /// into one integer; `orderBits` is how many low bits the ORDER BY keys take.
    private func sortPacked(
        _ partitionKeys: [ColumnVector], _ orderKeys: [ColumnVector], _ ranges: [SortKeyRange],
        _ directions: [(isDescending: Bool, nullsFirst: Bool)], _ total: Int, orderBits: Int
    ) throws(ExecutionError) -> (order: [Int32], marks: [UInt8])? {
        guard let layout = PackedKeyLayout(ranges, directions),
            let buffers = try SortBuffers(count: total, context: context)
        else { return nil }
        defer { buffers.release() }
        layout.pack(partitionKeys + orderKeys, count: total, batch: 0, into: buffers.entries)
        let sorted = SortRadix.sort(
            buffers.entries, buffers.scratch, count: total, bits: layout.totalBits, threads: context.options.threads)
        var order = [Int32](repeating: 0, count: total)
        var marks = [UInt8](repeating: 0, count: total)
        order.withUnsafeMutableBufferPointer { order in
            marks.withUnsafeMutableBufferPointer { marks in
                order[0] = Int32(truncatingIfNeeded: sorted[0].ref)
                for position in 1..<total {
                    let current = sorted[position].key, previous = sorted[position - 1].key
                    order[position] = Int32(truncatingIfNeeded: sorted[position].ref)
                    let changed = current ^ previous
                    let partitionChanged = orderBits < 64 && changed &>> UInt64(orderBits) != 0
                    marks[position] = partitionChanged ? 2 : (changed != 0 ? 1 : 0)
                }
            }
        }
        return (order, marks)
    }

    /// The window order when partition and ORDER BY codes do not fit one integer together: a
    /// stable counting sort of the rows by partition number (each thread scattering its share of
    /// the rows), then each partition's (ORDER BY code, row) pairs sorted on their own,
    /// partitions spread over the threads.
    private func sortByPartition(
        _ partitions: ColumnVector, _ partitionCount: Int, _ orderKeys: [ColumnVector], _ layout: PackedKeyLayout,
        _ total: Int
    ) throws(ExecutionError) -> (order: [Int32], marks: [UInt8])? {
        guard let buffers = try SortBuffers(count: total, context: context) else { return nil }
        defer { buffers.release() }
        layout.pack(orderKeys, count: total, batch: 0, into: buffers.entries)
        let numbers = SortShared(partitions.values(as: Int64.self).baseAddress!)
        let threads = context.options.threads
        // Per chunk of rows and partition: its row count, then where the chunk's rows of it go.
        let chunks = Swift.max(1, Swift.min(threads, total / 65_536))
        let chunkRows = (total + chunks - 1) / chunks
        let places = UnsafeMutablePointer<Int>.allocate(capacity: chunks * partitionCount)
        defer { places.deallocate() }
        places.initialize(repeating: 0, count: chunks * partitionCount)
        let shared = SortShared(places)
        SortParallel.run(chunks, threads: threads) { chunk in
            let counts = shared.base + chunk * partitionCount
            for row in (chunk * chunkRows)..<Swift.min(total, (chunk + 1) * chunkRows) {
                counts[Int(numbers.base[row])] &+= 1
            }
        }
        var starts = [Int](repeating: 0, count: partitionCount + 1)
        starts.withUnsafeMutableBufferPointer { starts in
            SortRadix.chunkPositions(places, chunks: chunks, buckets: partitionCount, starts: starts.baseAddress!)
        }
        // Scatter in row order into the scratch buffer, so each partition keeps its input order.
        let entries = SortShared(buffers.entries), sorted = SortShared(buffers.scratch)
        SortParallel.run(chunks, threads: threads) { chunk in
            let next = shared.base + chunk * partitionCount
            for row in (chunk * chunkRows)..<Swift.min(total, (chunk + 1) * chunkRows) {
                let p = Int(numbers.base[row])
                sorted.base[next[p]] = entries.base[row]
                next[p] &+= 1
            }
        }
        // Sort each partition in the scratch buffer (the entries buffer at the same place is its
        // own scratch) and write its order and marks: tasks of consecutive partitions of about
        // equal row counts.
        let taskRows = Swift.max(4096, total / Swift.max(1, threads * 16))
        var taskStarts: [Int] = [0]
        for p in 0..<partitionCount where starts[p + 1] - starts[taskStarts.last!] >= taskRows && p + 1 < partitionCount
        {
            taskStarts.append(p + 1)
        }
        taskStarts.append(partitionCount)
        let tasks = taskStarts, bits = layout.totalBits
        var order = [Int32](repeating: 0, count: total)
        var marks = [UInt8](repeating: 0, count: total)
        order.withUnsafeMutableBufferPointer { order in
            marks.withUnsafeMutableBufferPointer { marks in
                let orderOut = SortShared(order.baseAddress!), marksOut = SortShared(marks.baseAddress!)
                starts.withUnsafeBufferPointer { starts in
                    let startsBase = SortShared(UnsafeMutablePointer(mutating: starts.baseAddress!))
                    SortParallel.run(tasks.count - 1, threads: threads) { task in
                        for p in tasks[task]..<tasks[task + 1] {
                            let first = startsBase.base[p], count = startsBase.base[p + 1] - first
                            if count == 0 { continue }
                            let data = sorted.base + first
                            WindowOperator.sortPartition(data, entries.base + first, count: count, bits: bits)
                            orderOut.base[first] = Int32(truncatingIfNeeded: data[0].ref)
                            marksOut.base[first] = first == 0 ? 0 : 2
                            for i in 1..<count {
                                orderOut.base[first + i] = Int32(truncatingIfNeeded: data[i].ref)
                                marksOut.base[first + i] = data[i].key != data[i - 1].key ? 1 : 0
                            }
                        }
                    }
                }
            }
        }
        return (order, marks)
    }

    /// Sorts one partition's entries in place by key, ties in input (ref) order: by insertion
    /// or by comparing (key, ref) while small (a radix pass per byte of a 64-bit key costs more
    /// than the comparisons of a few hundred entries), by LSD radix with `scratch` beyond.
    static func sortPartition(
        _ data: UnsafeMutablePointer<SortEntry>, _ scratch: UnsafeMutablePointer<SortEntry>, count: Int, bits: Int
    ) {
        if count < 2 || bits == 0 { return }
        if count <= 48 {
            SortRadix.insertionSort(data, count: count)
        } else if count <= 1024 {
            var entries = UnsafeMutableBufferPointer(start: data, count: count)
            entries.sort {
                $0.key != $1.key ? $0.key < $1.key : $0.ref < $1.ref
            }
        } else {
            let result = SortRadix.lsd(data, scratch, count: count, bits: bits)
            if result != data { data.update(from: result, count: count) }
        }
    }

    /// For one integer key (BIGINT, DATE, …) whose values span at most a few times the row count:
    /// each row's value minus the smallest, as a BIGINT vector (NULL stays NULL), which numbers
    /// partitions without a hash table, and how many numbers there are; nil for other keys. The key
    /// is read batch by batch into the numbers, not concatenated first.
    private func directNumbers(_ expressions: [BoundExpression], _ batches: [Batch], _ total: Int)
        throws(ExecutionError) -> (numbers: ColumnVector, count: Int)?
    {
        guard expressions.count == 1, expressions[0].type != .null,
            expressions[0].type.physicalType == .int64 || expressions[0].type.physicalType == .int32
        else { return nil }
        let node = try compiler.compile(expressions[0])
        let numbers = ColumnVector(type: .bigint, capacity: Swift.max(total, 1))
        numbers.setCount(total)
        let out = numbers.values(as: Int64.self)
        var offset = 0
        for batch in batches {
            let vector = try node.evaluate(batch)
            let count = batch.count
            if vector.physicalType == .int32 {
                let values = vector.data.assumingMemoryBound(to: Int32.self)
                for row in 0..<count { out[offset + row] = Int64(values[row]) }
            } else {
                (out.baseAddress! + offset).update(from: vector.data.assumingMemoryBound(to: Int64.self), count: count)
            }
            if vector.hasNulls {
                for row in 0..<count where !vector.isValid(at: row) { numbers.setValid(false, at: offset + row) }
            }
            offset += count
        }
        let validity = numbers.validity
        var low = Int64.max, high = Int64.min
        for row in 0..<total where validity.isValid(at: row) {
            low = Swift.min(low, out[row])
            high = Swift.max(high, out[row])
        }
        // Spans past this leave most numbers unused: the counting sort's table would outgrow the rows.
        if low > high { low = 0 }  // every key NULL: one partition
        guard !high.subtractingReportingOverflow(low).overflow, high - low < Swift.max(4 * Int64(total), 1 << 16) else {
            return nil
        }
        for row in 0..<total { out[row] &-= low }
        return (numbers, Int(high &- low) + 1)
    }

    /// Each row's partition as a number in `0..<count`: one integer key by its value
    /// (`directNumbers`), other keys by a dense number; a NULL key's rows (kept NULL) take the last
    /// number, written over their values, so a counting sort can place them.
    func partitionNumbers(_ partitionBy: [BoundExpression], _ batches: [Batch], _ total: Int)
        throws(ExecutionError) -> (numbers: ColumnVector, count: Int)
    {
        let numbers: ColumnVector, distinct: Int
        if let direct = try directNumbers(partitionBy, batches, total) {
            (numbers, distinct) = direct
        } else {
            let dense = try denseNumbers(partitionBy, batches, total, name: "window PARTITION BY")
            (numbers, distinct) = (dense.numbers, dense.table.groupCount)
        }
        if numbers.hasNulls {
            let values = numbers.values(as: Int64.self), validity = numbers.validity
            for row in 0..<total where !validity.isValid(at: row) { values[row] = Int64(distinct) }
        }
        return (numbers, distinct + 1)
    }

    /// The rank of each row's text among the distinct texts of `expression` (in byte order, as
    /// sorting compares them; equal texts share a rank), as a BIGINT vector; NULL stays NULL.
    func textRanks(_ expression: BoundExpression, _ batches: [Batch], _ total: Int)
        throws(ExecutionError) -> ColumnVector
    {
        let (numbers, table) = try denseNumbers([expression], batches, total, name: "window ORDER BY")
        let distinct = table.keyColumns(0..<table.groupCount)[0]
        var sorted = (0..<table.groupCount).filter { distinct.isValid(at: $0) }.map { Int32($0) }
        sorted.sort { CompareKernel.compareBytes(distinct.bytes(at: Int($0)), distinct.bytes(at: Int($1))) < 0 }
        // Groups hold distinct texts, so a text's rank is its place in that order.
        var rank = [Int64](repeating: -1, count: table.groupCount)
        for (place, group) in sorted.enumerated() { rank[Int(group)] = Int64(place) }
        let values = numbers.values(as: Int64.self)
        // NULL rows hold id 0 (or the NULL group's) and stay NULL whatever rank they get: no test
        // per row. Without any group every row is NULL.
        guard !rank.isEmpty else { return numbers }
        rank.withUnsafeBufferPointer { rank in
            for row in 0..<total { values[row] = rank[Int(values[row])] }
        }
        return numbers
    }

    /// A dense number per row for its key (numbered as first seen), as a BIGINT vector, and the
    /// table of keys by number (`name` is its operator, for the memory limit). One text key takes
    /// the ids of `DictionaryIDs` (once per dictionary entry, NULL kept NULL: packed, it sorts as a
    /// partition of its own); other keys a group table, where NULL is a key.
    func denseNumbers(_ expressions: [BoundExpression], _ batches: [Batch], _ total: Int, name: String)
        throws(ExecutionError) -> (numbers: ColumnVector, table: GroupTable)
    {
        let nodes = try expressions.map { (expression) throws(ExecutionError) in try compiler.compile(expression) }
        let numbers = ColumnVector(type: .bigint, capacity: Swift.max(total, 1))
        numbers.setCount(total)
        let out = numbers.values(as: Int64.self)
        var offset = 0
        if nodes.count == 1, expressions[0].type == .varchar {
            let ids = try DictionaryIDs(tracker: context.tracker, operatorName: name)
            for batch in batches {
                try context.checkCancelled()
                let translated = try ids.translate(try nodes[0].evaluateEncoded(batch), count: batch.count)
                let source = translated.values(as: Int64.self).baseAddress!
                (out.baseAddress! + offset).update(from: source, count: batch.count)
                if translated.hasNulls {
                    for row in 0..<batch.count where !translated.isValid(at: row) {
                        numbers.setValid(false, at: offset + row)
                    }
                }
                offset += batch.count
            }
            return (numbers, ids.strings)
        }
        let table = try GroupTable(types: expressions.map(\.type), tracker: context.tracker, operatorName: name)
        let largest = batches.reduce(1) { Swift.max($0, $1.count) }
        let groups = UnsafeMutablePointer<Int32>.allocate(capacity: largest)
        defer { groups.deallocate() }
        for batch in batches {
            try context.checkCancelled()
            let keys = try nodes.map { (node) throws(ExecutionError) in try node.evaluate(batch) }
            try table.findOrInsert(keys, rowCount: batch.count, into: groups)
            for row in 0..<batch.count { out[offset + row] = Int64(groups[row]) }
            offset += batch.count
        }
        return (numbers, table)
    }
}

/// What calls must share to share a sort.
struct WindowSortKey: Hashable {
    var partitionBy: [BoundExpression]
    var orderBy: [SortKey]
}

/// Rows in window order: `order[position]` is the input row; partitions are
/// `partitionStarts[i] ..< partitionStarts[i + 1]`; peers of a position are `peerStart ..< peerEnd`.
struct WindowLayout {
    var order: [Int32]
    var partitionStarts: [Int]
    var peerStart: [Int32]
    var peerEnd: [Int32]
    /// The ORDER BY keys over input rows (for RANGE offsets).
    var orderVectors: [ColumnVector]
    /// Whether the first ORDER BY key is descending.
    var isFirstKeyDescending: Bool

    var count: Int { order.count }
}
