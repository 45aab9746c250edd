// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "swift-tracecmd",
    products: [
        .library(name: "TraceEvent", targets: ["TraceEvent"]),
        .library(name: "TraceCmd", targets: ["TraceCmd"]),
        .library(name: "TraceReport", targets: ["TraceReport"]),
        .library(name: "TraceExport", targets: ["TraceExport"]),
        .library(name: "TraceView", targets: ["TraceView"]),
        .library(name: "TraceWriter", targets: ["TraceWriter"]),
        .executable(name: "tracecmd", targets: ["tracecmd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .target(name: "TraceEvent"),
        .target(name: "TraceCmd", dependencies: [
            "TraceEvent", "CZlib",
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .target(name: "TraceReport", dependencies: ["TraceCmd", "TraceEvent"]),
        .target(name: "TraceExport", dependencies: ["TraceCmd", "TraceEvent", "CSQLite"]),
        .target(name: "TraceView", dependencies: [
            "TraceCmd", "TraceEvent", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .target(name: "TraceWriter", dependencies: ["TraceCmd", "TraceEvent"]),
        .executableTarget(
            name: "tracecmd",
            dependencies: [
                "TraceReport", "TraceExport", "TraceView", "TraceWriter", "TraceCmd", "TraceEvent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What the test targets share (they cannot share files): running subprocesses.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TraceEventTests", dependencies: ["TraceEvent"]),
        .testTarget(name: "TraceCmdTests", dependencies: ["TestSupport", "TraceReport", "TraceCmd", "TraceEvent"]),
        .testTarget(name: "TraceExportTests", dependencies: ["TestSupport", "TraceExport", "TraceCmd", "TraceEvent"],
                    exclude: ["Support"]),
        .testTarget(name: "TraceViewTests", dependencies: ["TraceView", "TraceCmd"]),
        .testTarget(name: "TraceWriterTests", dependencies: ["TestSupport", "TraceWriter", "TraceReport", "TraceCmd", "TraceEvent"]),
        .testTarget(name: "ExamplesTests", dependencies: [
            "TraceCmd", "TraceEvent",
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
