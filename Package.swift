// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "swift-tracecmd",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "TraceEvent", targets: ["TraceEvent"]),
        .library(name: "TraceCmd", targets: ["TraceCmd"]),
        .executable(name: "tracecmd", targets: ["tracecmd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "TraceEvent"),
        .target(name: "TraceCmd", dependencies: ["TraceEvent", "CZlib"]),
        .executableTarget(
            name: "tracecmd",
            dependencies: [
                "TraceCmd", "TraceEvent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TraceEventTests", dependencies: ["TraceEvent"]),
        .testTarget(name: "TraceCmdTests", dependencies: ["TraceCmd", "TraceEvent"]),
    ],
    swiftLanguageModes: [.v6]
)
