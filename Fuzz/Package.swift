// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for Plaza's input-facing readers (issue 9): segment files, manifests, SQL
// parse + bind, CSV import, and Parquet footers and pages. Build and run them with `./run.sh` (see README.md); the
// sanitizer flags go on the command line, never into a package:
//
//     swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
//         -Xswiftc -enable-testing
//
// The root package exposes only the `Plaza` product, which hides the readers this package must
// call, so — like Benchmarks/Kernels — it compiles the lower targets itself from symlinked source
// directories (Sources/PlazaCore -> ../../Sources/PlazaCore, …) instead of `.package(path: "..")`.
// `-enable-testing` lets the harnesses use `@testable import` to repair checksums, so mutated
// bytes reach the parsers behind them.
let package = Package(
    name: "PlazaFuzz",
    platforms: [.macOS(.v15)],
    targets: [
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4"),
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy"),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),
        .target(name: "PlazaCore", path: "Sources/PlazaCore"),
        .target(name: "PlazaVector", dependencies: ["PlazaCore", "CPlazaKernels"], path: "Sources/PlazaVector"),
        .target(name: "PlazaSQL", dependencies: ["PlazaCore"], path: "Sources/PlazaSQL"),
        .target(name: "CPlazaKernels", path: "Sources/CPlazaKernels"),
        .target(
            name: "PlazaFormat", dependencies: ["PlazaCore", "PlazaVector", "CLZ4", "CPlazaKernels"],
            path: "Sources/PlazaFormat"),
        .target(name: "PlazaCSV", dependencies: ["PlazaCore", "PlazaVector", "CZlib"], path: "Sources/PlazaCSV"),
        .target(name: "PlazaPlanner", dependencies: ["PlazaCore", "PlazaSQL"], path: "Sources/PlazaPlanner"),
        .target(
            name: "PlazaStorage", dependencies: ["PlazaCore", "PlazaVector", "PlazaFormat", "CPlazaKernels"],
            path: "Sources/PlazaStorage"),
        .target(
            name: "PlazaParquet", dependencies: ["PlazaCore", "PlazaVector", "CLZ4", "CSnappy", "CZstd", "CZlib"],
            path: "Sources/PlazaParquet"),
        .target(name: "FuzzDriver", path: "Sources/FuzzDriver"),
        .executableTarget(
            name: "fuzz-segment", dependencies: ["FuzzDriver", "PlazaCore", "PlazaVector", "PlazaFormat"],
            path: "Targets/fuzz-segment"),
        .executableTarget(
            name: "fuzz-manifest", dependencies: ["FuzzDriver", "PlazaCore", "PlazaStorage"], path: "Targets/fuzz-manifest"),
        .executableTarget(
            name: "fuzz-sql", dependencies: ["FuzzDriver", "PlazaCore", "PlazaSQL", "PlazaPlanner"], path: "Targets/fuzz-sql"),
        .executableTarget(
            name: "fuzz-csv", dependencies: ["FuzzDriver", "PlazaCore", "PlazaVector", "PlazaCSV"], path: "Targets/fuzz-csv"),
        .executableTarget(
            name: "fuzz-json", dependencies: ["FuzzDriver", "PlazaCore", "PlazaVector", "PlazaCSV"],
            path: "Targets/fuzz-json"),
        .executableTarget(
            name: "fuzz-xlsx", dependencies: ["FuzzDriver", "PlazaCore", "PlazaVector", "PlazaCSV"],
            path: "Targets/fuzz-xlsx"),
        .executableTarget(
            name: "fuzz-parquet", dependencies: ["FuzzDriver", "PlazaCore", "PlazaVector", "PlazaParquet"],
            path: "Targets/fuzz-parquet"),
    ]
)
