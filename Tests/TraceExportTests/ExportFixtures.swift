import Foundation

/// Paths of the shared fixtures (Tests/Fixtures) and the built tool.
enum ExportFixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func fixture(_ name: String) -> String {
        root.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name).path
    }
}
