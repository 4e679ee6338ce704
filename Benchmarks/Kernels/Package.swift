// swift-tools-version: 6.1
import PackageDescription

// Micro-benchmarks of Plaza's lower layers (format encodings, vector kernels, CSV parsing).
//
// The root package exposes only the `Plaza` product, so this package compiles the lower targets
// itself from symlinked source directories (Sources/PlazaCore -> ../../../Sources/PlazaCore, …).
// It cannot live in Benchmarks/Package.swift: that package depends on the root, and SwiftPM
// refuses two targets of the same name in one package graph.
let package = Package(
    name: "PlazaKernelBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"])
    ],
    targets: [
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),
        .target(name: "PlazaCore", path: "Sources/PlazaCore"),
        .target(name: "PlazaVector", dependencies: ["PlazaCore", "CPlazaKernels"], path: "Sources/PlazaVector"),
        .target(name: "CPlazaKernels", path: "Sources/CPlazaKernels"),
        .target(
            name: "PlazaFormat", dependencies: ["PlazaCore", "PlazaVector", "CLZ4", "CPlazaKernels"],
            path: "Sources/PlazaFormat"),
        .target(name: "PlazaCSV", dependencies: ["PlazaCore", "PlazaVector", "CZlib"], path: "Sources/PlazaCSV"),
        .target(name: "KernelFixtures", dependencies: ["PlazaCore", "PlazaVector", "PlazaFormat", "CLZ4"]),
        .executableTarget(name: "format-report", dependencies: ["KernelFixtures", "PlazaFormat", "CLZ4"]),
        .executableTarget(
            name: "FormatBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"), "KernelFixtures", "PlazaFormat", "CLZ4",
            ],
            path: "Benchmarks/FormatBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "VectorBenchmarks",
            dependencies: [.product(name: "Benchmark", package: "benchmark"), "KernelFixtures", "PlazaVector"],
            path: "Benchmarks/VectorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "CSVBenchmarks",
            dependencies: [.product(name: "Benchmark", package: "benchmark"), "KernelFixtures", "PlazaCSV"],
            path: "Benchmarks/CSVBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
