// Latency of every benchmark query (Benchmarks/Queries/q*.sql) and CSV import speed, through the
// public `Plaza` API, on the generated data set (issues 3, 5, 6, 8).
//
// Needs the data: `swift run -c release plaza-datagen --rows 1000000` in Benchmarks/ (set
// PLAZA_BENCH_ROWS to use another size). The database is imported once into
// Benchmarks/.build/plaza-bench/<rows>/ and reused; delete that directory to re-import.
// Queries that this build of Plaza cannot run yet are skipped with a message on stderr.
import Benchmark
import Foundation
import Plaza

/// Where the benchmark package lives (this file is Benchmarks/Benchmarks/QueryBenchmarks/…).
let benchmarkRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let rows = ProcessInfo.processInfo.environment["PLAZA_BENCH_ROWS"] ?? "1000000"
let dataDirectory = benchmarkRoot.appendingPathComponent("data/\(rows)").path
let databaseDirectory = benchmarkRoot.appendingPathComponent(".build/plaza-bench/\(rows)").path
let tables = ["reportes", "colonias", "dependencias", "presupuesto"]
let threads = Int(ProcessInfo.processInfo.environment["PLAZA_BENCH_THREADS"] ?? "2") ?? 2

func note(_ message: String) {
    FileHandle.standardError.write(Data("QueryBenchmarks: \(message)\n".utf8))
}

/// Opens the benchmark database, importing the CSVs the first time; on failure, the reason.
func openDatabase() -> Result<Database, SetupFailure> {
    guard FileManager.default.fileExists(atPath: "\(dataDirectory)/reportes.csv") else {
        return .failure(SetupFailure(
            message: "no data in \(dataDirectory): run `swift run -c release plaza-datagen --rows \(rows)` in Benchmarks/"))
    }
    let marker = "\(databaseDirectory)/.imported"
    do {
        if !FileManager.default.fileExists(atPath: marker) {
            try? FileManager.default.removeItem(atPath: databaseDirectory)
            try FileManager.default.createDirectory(
                atPath: (databaseDirectory as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let database = try Database(path: databaseDirectory, options: .init(threads: threads))
            for table in tables {
                try database.importCSV(from: "\(dataDirectory)/\(table).csv", into: table)
            }
            _ = FileManager.default.createFile(atPath: marker, contents: Data())
        }
        return .success(try Database(path: databaseDirectory, options: .init(threads: threads)))
    } catch {
        return .failure(SetupFailure(message: "cannot prepare the database in \(databaseDirectory): \(error)"))
    }
}

/// A column scanned in full: the expression that reads it and the width of one decoded value in bytes
/// (8 for fixed-width types; for text, the average UTF-8 length plus a 4-byte offset).
struct ScanQuery {
    let column: String
    let type: String
    let expression: String
    let width: Int
}

let scanQueries = [
    ScanQuery(column: "id", type: "BIGINT", expression: "sum(id)", width: 8),
    ScanQuery(column: "fecha_creacion", type: "TIMESTAMP", expression: "sum(year(fecha_creacion))", width: 8),
    ScanQuery(column: "latitud", type: "DOUBLE", expression: "sum(latitud)", width: 8),
    ScanQuery(column: "costo", type: "DECIMAL(12,2)", expression: "sum(costo)", width: 8),
    ScanQuery(column: "colonia", type: "VARCHAR, dictionary", expression: "sum(length(colonia))", width: 23),
]
/// Millions of rows scanned per second.
let rowsPerSecond = BenchmarkMetric.custom("M rows/s", polarity: .prefersLarger, useScalingFactor: false)
/// Millions of bytes of decoded values per second.
let bytesPerSecond = BenchmarkMetric.custom("MB/s decoded", polarity: .prefersLarger, useScalingFactor: false)
let scanMetrics: [BenchmarkMetric] = [.wallClock, rowsPerSecond, bytesPerSecond]

/// Why the benchmark database could not be prepared.
struct SetupFailure: Error {
    let message: String
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal], warmupIterations: 1,
        maxDuration: .seconds(2), maxIterations: 100)
    let database: Database
    switch openDatabase() {
    case .success(let opened): database = opened
    case .failure(let failure):
        // A benchmark that fails, so the run reports the problem instead of measuring nothing.
        Benchmark("Query setup") { benchmark in benchmark.error(failure.message) }
        return
    }

    let queryFiles = (try? FileManager.default.contentsOfDirectory(atPath: benchmarkRoot.appendingPathComponent("Queries").path))?
        .filter { $0.hasPrefix("q") && $0.hasSuffix(".sql") }.sorted() ?? []
    for file in queryFiles {
        let name = String(file.dropLast(4))
        guard let sql = try? String(contentsOf: benchmarkRoot.appendingPathComponent("Queries/\(file)"), encoding: .utf8) else {
            note("cannot read Queries/\(file)")
            continue
        }
        do {
            _ = try database.query(sql)
        } catch {
            note("skipping \(name): \(String(describing: error).split(separator: "\n").first ?? "")")
            continue
        }
        Benchmark("Query \(name)") { benchmark in
            do {
                for _ in benchmark.scaledIterations { blackHole(try database.query(sql).count) }
            } catch {
                benchmark.error("\(name) failed: \(error)")
            }
        }
    }

    // Scan throughput: one column of `reportes` read in full (the expression forces every value to be
    // decoded; statistics cannot answer it), reported as millions of rows and MB of decoded values per second.
    let rowCount = (try? database.rowCount(ofTable: "reportes")) ?? 0
    for scan in scanQueries {
        let sql = "SELECT \(scan.expression) FROM reportes"
        Benchmark("Scan \(scan.column) (\(scan.type))", configuration: .init(metrics: scanMetrics)) { benchmark in
            do {
                for _ in benchmark.scaledIterations {
                    let clock = ContinuousClock()
                    let start = clock.now
                    blackHole(try database.query(sql).count)
                    let seconds = (clock.now - start) / .seconds(1)
                    benchmark.measurement(rowsPerSecond, Int(Double(rowCount) / seconds / 1e6))
                    benchmark.measurement(bytesPerSecond, Int(Double(rowCount * scan.width) / seconds / 1e6))
                }
            } catch {
                benchmark.error("scan of \(scan.column) failed: \(error)")
            }
        }
    }

    // CSV import: the whole reportes file into a scratch table, replaced each iteration.
    let csv = "\(dataDirectory)/reportes.csv"
    let megabytes = ((try? FileManager.default.attributesOfItem(atPath: csv)[.size] as? Int) ?? 0) / 1_000_000
    Benchmark(
        "Import reportes.csv (\(rows) rows, \(megabytes) MB)",
        configuration: .init(metrics: [.wallClock, .throughput, .peakMemoryResident], warmupIterations: 0,
                             maxDuration: .seconds(20), maxIterations: 3)
    ) { benchmark in
        do {
            for _ in benchmark.scaledIterations {
                blackHole(try database.importCSV(from: csv, into: "reportes_import", options: ImportOptions(mode: .replace)))
            }
        } catch {
            benchmark.error("import failed: \(error)")
        }
    }
}
