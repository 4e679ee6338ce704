// swift-tools-version: 6.1
import PackageDescription

// Targets follow ../shared/ARCHITECTURE.md: lower layers never import higher ones.
let package = Package(
    name: "Plaza",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Plaza", targets: ["Plaza"]),
        .executable(name: "plaza", targets: ["PlazaCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Only for `swift package generate-documentation --target Plaza`; it adds no code to Plaza.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
        // HTTP server of `plaza serve` (PlazaServer only); its optional traits are not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(
            name: "CSnappy", path: "Sources/CSnappy", pkgConfig: "snappy",
            providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(
            name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // C kernels that need instructions Swift does not expose (a byte shuffle as a table lookup, a
        // vector comparison into a bitmask).
        .target(name: "CPlazaKernels", path: "Sources/CPlazaKernels"),
        .target(name: "PlazaCore"),
        .target(name: "PlazaVector", dependencies: ["PlazaCore", "CPlazaKernels"]),
        .target(name: "PlazaSQL", dependencies: ["PlazaCore"]),
        .target(name: "PlazaFormat", dependencies: ["PlazaCore", "PlazaVector", "CLZ4", "CPlazaKernels"]),
        .target(name: "PlazaCSV", dependencies: ["PlazaCore", "PlazaVector", "CZlib"]),
        .target(name: "PlazaParquet", dependencies: ["PlazaCore", "PlazaVector", "CLZ4", "CSnappy", "CZstd", "CZlib"]),
        .target(name: "PlazaArrow", dependencies: ["PlazaCore", "PlazaVector"]),
        .target(name: "PlazaPlanner", dependencies: ["PlazaCore", "PlazaSQL"]),
        .target(name: "PlazaStorage", dependencies: ["PlazaCore", "PlazaVector", "PlazaFormat", "CPlazaKernels"]),
        .target(
            name: "PlazaExecution",
            dependencies: ["PlazaCore", "PlazaVector", "PlazaPlanner", "CPlazaKernels"]),
        .target(
            name: "Plaza",
            dependencies: [
                "PlazaCore", "PlazaVector", "PlazaSQL", "PlazaPlanner", "PlazaStorage",
                "PlazaExecution", "PlazaCSV", "PlazaFormat", "PlazaParquet", "PlazaArrow",
            ]),
        .target(
            name: "PlazaServer",
            dependencies: [
                "Plaza", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "PlazaCLI",
            dependencies: [
                "Plaza", "PlazaServer", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Helpers shared by the test targets (a plain target: nothing outside Tests/ depends on it).
        .target(name: "PlazaTestSupport", path: "Tests/PlazaTestSupport"),
        .testTarget(name: "PlazaCoreTests", dependencies: ["PlazaCore"]),
        .testTarget(name: "PlazaVectorTests", dependencies: ["PlazaTestSupport", "PlazaCore", "PlazaVector"]),
        .testTarget(name: "PlazaSQLTests", dependencies: ["PlazaCore", "PlazaSQL"]),
        .testTarget(name: "PlazaFormatTests", dependencies: ["PlazaTestSupport", "PlazaCore", "PlazaVector", "PlazaFormat"], resources: [.copy("Golden")]),
        .testTarget(name: "PlazaCSVTests", dependencies: ["PlazaTestSupport", "PlazaCore", "PlazaVector", "PlazaCSV"], resources: [.copy("Corpus")]),
        .testTarget(
            name: "PlazaParquetTests", dependencies: ["PlazaCore", "PlazaVector", "PlazaParquet"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "PlazaArrowTests", dependencies: ["PlazaTestSupport", "PlazaCore", "PlazaVector", "PlazaArrow"]),
        .testTarget(name: "PlazaPlannerTests", dependencies: ["PlazaCore", "PlazaSQL", "PlazaPlanner"]),
        .testTarget(name: "PlazaStorageTests", dependencies: ["PlazaTestSupport", "PlazaCore", "PlazaVector", "PlazaFormat", "PlazaStorage"]),
        .testTarget(
            name: "PlazaExecutionTests",
            dependencies: ["PlazaTestSupport", "PlazaCore", "PlazaVector", "PlazaPlanner", "PlazaExecution", "CPlazaKernels"]),
        .testTarget(name: "PlazaTests", dependencies: ["PlazaTestSupport", "Plaza", "PlazaVector"]),
        .testTarget(name: "PlazaCLITests", dependencies: ["PlazaCLI", "Plaza", "PlazaVector"]),
        .testTarget(name: "PlazaServerTests", dependencies: ["PlazaTestSupport", "PlazaServer", "Plaza"]),
    ]
)
