// plaza-datagen: writes the deterministic city open-data benchmark set as CSV.
// Usage: plaza-datagen [--rows N] [--seed S] [--out DIR] [--threads T]
//        plaza-datagen --groupby [--rows N] [--k K] [--seed S] [--out DIR] [--threads T]
import Dispatch
import Foundation

/// Command-line options of the generator.
struct Options {
    var rows = 1_000_000
    var seed: UInt64 = 20_260_101
    var output: String?
    var threads = 2
    /// Writes the db-benchmark groupby table `x` instead of the city tables.
    var groupBy = false
    /// The groupby table's small-key cardinality.
    var k = 100

    /// Parses `arguments` (without the program name); exits with a message on bad input.
    init(_ arguments: [String]) {
        var index = 0
        func value(_ flag: String) -> String {
            index += 1
            guard index < arguments.count else { fail("\(flag) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--rows":
                let text = value("--rows").replacingOccurrences(of: "_", with: "")
                let parsed: Int?
                if text.hasSuffix("M") { parsed = Int(text.dropLast()).map { $0 * 1_000_000 } }
                else if text.hasSuffix("K") { parsed = Int(text.dropLast()).map { $0 * 1000 } }
                else { parsed = Int(text) }
                guard let rows = parsed, rows > 0 else { fail("--rows wants a positive count such as 1000000 or 10M") }
                self.rows = rows
            case "--seed":
                guard let seed = UInt64(value("--seed")) else { fail("--seed wants an unsigned integer") }
                self.seed = seed
            case "--out": output = value("--out")
            case "--groupby": groupBy = true
            case "--k":
                guard let k = Int(value("--k")), k > 0 else { fail("--k wants a positive count such as 100") }
                self.k = k
            case "--threads":
                guard let threads = Int(value("--threads")), threads > 0 else { fail("--threads wants a positive count") }
                self.threads = threads
            case "-h", "--help":
                print("usage: plaza-datagen [--rows N|10M] [--seed S] [--out DIR (default data/<rows>)] [--threads T]")
                print("       plaza-datagen --groupby [--rows N|10M] [--k K] [--seed S] [--out DIR (default data/groupby-<rows>-<K>)]")
                exit(0)
            default: fail("unknown argument \(arguments[index]) (try --help)")
            }
            index += 1
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("plaza-datagen: \(message)\n".utf8))
    exit(2)
}

/// Generates `rows` rows in chunks of `chunkRows`, `threads` chunks at a time, and writes them in order.
func writeTable(
    path: String, header: String, rows: Int, threads: Int,
    chunk body: @escaping @Sendable (Range<Int>, Int, inout ByteWriter) -> Void
) -> Int {
    guard let file = fopen(path, "wb") else { fail("cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { fclose(file) }
    var written = 0
    func emit(_ bytes: [UInt8]) {
        let count = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard count == bytes.count else { fail("write to \(path) failed: \(String(cString: strerror(errno)))") }
        written += count
    }
    emit(Array(header.utf8))
    let chunkRows = 65_536
    let chunkCount = (rows + chunkRows - 1) / chunkRows
    var first = 0
    while first < chunkCount {
        let batch = min(threads, chunkCount - first)
        let results = ChunkResults(count: batch)
        let base = first
        DispatchQueue.concurrentPerform(iterations: batch) { offset in
            let chunk = base + offset
            let range = chunk * chunkRows..<min(rows, (chunk + 1) * chunkRows)
            var out = ByteWriter(capacity: range.count * 240)
            body(range, chunk, &out)
            results.store(out.bytes, at: offset)
        }
        for offset in 0..<batch { emit(results.take(at: offset)) }
        first += batch
    }
    return written
}

/// Per-chunk output slots filled by concurrent workers; each slot is written by exactly one
/// worker and read only after `concurrentPerform` returns, under a lock for the memory model.
final class ChunkResults: @unchecked Sendable {
    private var slots: [[UInt8]]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func store(_ bytes: [UInt8], at index: Int) { lock.withLock { slots[index] = bytes } }
    func take(at index: Int) -> [UInt8] { lock.withLock { slots[index] } }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let directory = options.output ?? (options.groupBy ? "data/groupby-\(options.rows)-\(options.k)" : "data/\(options.rows)")
do {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
} catch {
    fail("cannot create directory \(directory): \(error)")
}
let start = Date()
if options.groupBy {
    let table = GroupByTable(rows: options.rows, k: options.k, seed: options.seed)
    let bytes = writeTable(path: "\(directory)/x.csv", header: GroupByTable.header, rows: options.rows,
                           threads: options.threads) { range, chunk, out in table.write(range: range, chunk: chunk, into: &out) }
    let seconds = Date().timeIntervalSince(start)
    print("plaza-datagen: \(options.rows) groupby rows (K = \(options.k)), \(bytes / 1_000_000) MB in \(directory)/x.csv "
          + "(\(String(format: "%.1f", seconds)) s)")
    exit(0)
}
let model = CityModel(seed: options.seed)
let reportes = ReportesTable(model: model, rows: options.rows, seed: options.seed)
var total = 0
total += writeTable(path: "\(directory)/reportes.csv", header: ReportesTable.header, rows: options.rows,
                    threads: options.threads) { range, chunk, out in reportes.write(range: range, chunk: chunk, into: &out) }
let budgetRows = max(10_000, options.rows / 10)
let budgetSeed = options.seed
total += writeTable(path: "\(directory)/presupuesto.csv", header: LookupTables.presupuestoHeader, rows: budgetRows,
                    threads: options.threads) { range, chunk, out in
    LookupTables.presupuesto(model, seed: budgetSeed, range: range, chunk: chunk, into: &out)
}
for (name, bytes) in [("colonias", LookupTables.colonias(model)), ("dependencias", LookupTables.dependencias(model, seed: options.seed))] {
    guard FileManager.default.createFile(atPath: "\(directory)/\(name).csv", contents: Data(bytes)) else {
        fail("cannot write \(directory)/\(name).csv")
    }
    total += bytes.count
}
let seconds = Date().timeIntervalSince(start)
print("plaza-datagen: \(options.rows) reportes + \(budgetRows) presupuesto rows, \(total / 1_000_000) MB in \(directory) "
      + "(\(String(format: "%.1f", seconds)) s, \(String(format: "%.0f", Double(total) / 1e6 / seconds)) MB/s)")
