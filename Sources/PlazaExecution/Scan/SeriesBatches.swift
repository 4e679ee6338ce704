import PlazaCore
import PlazaPlanner
import PlazaVector

/// The rows of `range` and `generate_series`, made in batches of 2,048 values.
enum SeriesBatches {
    /// The series' values; an error when they would not fit the memory limit.
    static func make(_ series: SeriesPlan, memoryLimit: Int?) throws(ExecutionError) -> [Batch] {
        // Every batch stays in memory until the consumer reads it: refuse what cannot fit.
        // Without a limit, 2^31 rows (16 GiB) is the most a series may make.
        let bytes = series.estimatedCount * 8
        if bytes > Double(memoryLimit ?? (1 << 34)) {
            throw ExecutionError(
                .memoryLimit,
                "\(series.field.name) would make about \(series.estimatedCount.formatted()) rows, more than the memory limit holds; "
                    + "narrow the range or raise the limit (SET memory_limit = '…')")
        }
        var batches: [Batch] = []
        var batch = Batch(types: [series.field.type])
        var values = batch.columns[0].data.assumingMemoryBound(to: Int64.self)
        var count = 0
        func flush() {
            batch.count = count
            batch.columns[0].count = count
            batches.append(batch)
            batch = Batch(types: [series.field.type])
            values = batch.columns[0].data.assumingMemoryBound(to: Int64.self)
            count = 0
        }
        let descending = series.isDescending
        func before(_ value: Int64) -> Bool {
            if descending { return series.includesStop ? value >= series.stop : value > series.stop }
            return series.includesStop ? value <= series.stop : value < series.stop
        }
        var value = series.start
        while before(value) {
            values[count] = value
            count += 1
            if count == ColumnVector.batchCapacity { flush() }
            // The next value; past Int64 (or past the calendar) the series ends.
            if let interval = series.interval {
                guard let next = ArithmeticKernels.addInterval(value, interval) else { break }
                value = next
            } else {
                let (next, overflow) = value.addingReportingOverflow(series.step)
                if overflow { break }
                value = next
            }
        }
        if count > 0 { flush() }
        return batches
    }
}
