// swift-tools-version: 6.0
import PackageDescription

// libFuzzer harnesses for swift-tracecmd. A separate package, so that the main package's
// build and `swift test` are untouched. Build (see scripts/fuzz):
//
//   swift build --package-path Fuzz -c release \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product FuzzOpen
//
// (one `--product` at a time: building everything would also link the main package's
// `tracecmd` executable with the fuzzer runtime, which has no fuzz target and fails.)
//
// Each harness exports `LLVMFuzzerTestOneInput`. SwiftPM links an executable on Linux with
// `--defsym main=<Module>_main`, which `-parse-as-library` never emits, so every harness also
// defines `<Module>_main`, which hands control to libFuzzer's driver (`LLVMFuzzerRunDriver`).

// The main package is a path dependency; SwiftPM names it after its directory (lowercased).
// Note: that name must differ from this package's own ("fuzz"): a checkout in a directory
// named `fuzz` cannot build this package (build from a path with another name).
let mainPackage = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "swift-tracecmd").lowercased()

let traceEvent = Target.Dependency.product(name: "TraceEvent", package: mainPackage)
let traceCmd = Target.Dependency.product(name: "TraceCmd", package: mainPackage)
let traceReport = Target.Dependency.product(name: "TraceReport", package: mainPackage)
let traceWriter = Target.Dependency.product(name: "TraceWriter", package: mainPackage)

/// The harnesses: executable target name and what it needs.
let harnesses: [(name: String, dependencies: [Target.Dependency])] = [
    ("FuzzOpen", [traceCmd, traceEvent]),
    ("FuzzDump", [traceCmd, traceEvent]),
    ("FuzzRecords", [traceCmd, traceEvent]),
    ("FuzzFormatRecords", [traceCmd, traceEvent]),
    ("FuzzEventFormat", [traceEvent]),
    ("FuzzPrintFormat", [traceEvent]),
    ("FuzzFilter", [traceEvent]),
    ("FuzzSymbols", [traceEvent]),
    ("FuzzTimeShift", [traceCmd, traceEvent]),
    ("FuzzReport", [traceReport, traceCmd, traceEvent]),
    ("FuzzSession", [traceCmd, traceEvent]),
    ("FuzzConvert", [traceWriter, traceCmd, traceEvent]),
]

let package = Package(
    name: "swift-tracecmd-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver", traceReport, traceCmd, traceEvent]),
        // Writes the seed corpora from Tests/Fixtures (not a harness).
        .executableTarget(name: "FuzzSeeds", dependencies: ["FuzzSupport", traceCmd, traceEvent]),
    ] + harnesses.map { h in
        .executableTarget(name: h.name, dependencies: ["FuzzSupport"] + h.dependencies)
    },
    swiftLanguageModes: [.v6]
)
