import SystemPackage

/// A page or picture could not be written.
public struct ViewFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file that could not be written.
    public var path: String
    /// What the system said (`strerror`).
    public var reason: String

    /// `cannot write PATH: REASON`.
    public var description: String { "cannot write \(path): \(reason)" }
}

extension SessionView {
    /// Writes `text` (a page from ``html()`` or a picture from ``svg(width:)``) to the file
    /// at `path`, replacing it.
    /// - Throws: ``ViewFileError`` naming the file when it cannot be created or written.
    public static func write(_ text: String, to path: String) throws(ViewFileError) {
        do {
            let fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create, .truncate],
                                             permissions: [.ownerReadWrite, .groupRead, .otherRead])
            defer { try? fd.close() }
            _ = try fd.writeAll(text.utf8)
        } catch let e as Errno {
            throw ViewFileError(path: path, reason: e.description)
        } catch {
            throw ViewFileError(path: path, reason: "\(error)")
        }
    }
}
