// swift-tools-version: 6.1
import PackageDescription

// The benchmark suite is its own package so that library users never build benchmark tools.
// It holds the data generator and the benchmarks that go through the public `Plaza` API.
// Benchmarks of the lower layers (Core, Vector, Format, CSV) live in the nested package
// `Kernels/`, which compiles those targets from symlinked source directories: SwiftPM refuses
// two targets of the same name in one package graph, and the root exposes only `Plaza`.
let package = Package(
    name: "PlazaBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named explicitly so the manifest works whatever the checkout directory is called.
        .package(name: "Plaza", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(name: "plaza-datagen", path: "Sources/DataGen"),
        .executableTarget(
            name: "QueryBenchmarks",
            dependencies: [.product(name: "Benchmark", package: "benchmark"), .product(name: "Plaza", package: "Plaza")],
            path: "Benchmarks/QueryBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
