// CSV parsing throughput of PlazaCSV (issue 3): open (encoding, dialect and header detection)
// and type inference over every value, on one and two threads. Each iteration reads the whole
// fixture (about 24 MB), so MB/s = 24 × throughput (see the benchmark name for the exact size).
import Benchmark
import Foundation
import KernelFixtures
import PlazaCSV

/// Writes a reportes-like CSV of `rows` rows (ids, timestamps, text with accents, postal codes
/// with leading zeros, decimals with NULLs) and returns its path and size.
func writeFixture(rows: Int, directory: String) -> (path: String, bytes: Int) {
    let categories = ["Fuga de agua", "Bache", "Luminaria apagada", "Poda de árbol", "Ruido excesivo", "Grafiti"]
    let hoods = ["Peñón de los Baños", "Santa Úrsula", "Narvarte", "Tacubaya", "\"Morelos, Tepito\"", "Del Valle"]
    var text = "id,fecha_creacion,categoria,colonia,codigo_postal,costo,horas\n"
    text.reserveCapacity(rows * 100)
    var state: UInt64 = 12345
    for row in 0..<rows {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let r = Int(state >> 33)
        let day = 1 + row * 28 / rows
        let cost = r % 4 == 0 ? "" : "\(r % 100_000).\(r % 90 + 10)"
        text += "\(row + 1),2024-02-\(day < 10 ? "0" : "")\(day) \(10 + r % 12):\(10 + r % 50):\(10 + r % 49),"
        text += "\(categories[r % categories.count]),\(hoods[(r >> 4) % hoods.count]),0\(1000 + r % 9000),\(cost),\(r % 1000).5\n"
    }
    let path = "\(directory)/reportes-fixture.csv"
    Fixtures.writeAtomically(path) { _ = FileManager.default.createFile(atPath: $0, contents: Data(text.utf8)) }
    return (path, text.utf8.count)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .peakMemoryResident], warmupIterations: 1,
        maxDuration: .seconds(3), maxIterations: 50)
    let fixture = writeFixture(rows: 300_000, directory: Fixtures.scratchDirectory())
    let megabytes = fixture.bytes / 1_000_000

    for threads in [1, 2] {
        Benchmark("CSV open and infer types, \(megabytes) MB, \(threads) thread(s)") { benchmark in
            var options = CSVOptions()
            options.threads = threads
            do {
                for _ in benchmark.scaledIterations {
                    let file = try CSVFile(path: fixture.path, options: options)
                    blackHole(try file.inferSchema())
                }
            } catch {
                benchmark.error("CSV read failed: \(error)")
            }
        }
    }
}
