import Foundation

/// Runs the installed reference library (libtraceevent 1.7.1) through Python's `ctypes`, so
/// that tests compare against what the reference computes on the same input.
enum ReferenceOracle {
    static let python = "/usr/bin/python3"

    /// Whether python3 and libtraceevent.so.1 are installed.
    static let isAvailable: Bool = {
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        let dirs = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"]
        return dirs.contains { FileManager.default.fileExists(atPath: $0 + "/libtraceevent.so.1") }
    }()

    /// Common prelude: loads the library and declares the functions used.
    static let prelude = """
    import ctypes, sys
    L = ctypes.CDLL("libtraceevent.so.1")
    libc = ctypes.CDLL(None)
    L.tep_alloc.restype = ctypes.c_void_p
    L.tep_set_long_size.argtypes = [ctypes.c_void_p, ctypes.c_int]
    L.tep_parse_kallsyms.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    L.tep_parse_printk_formats.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    L.tep_parse_saved_cmdlines.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    L.tep_print_printk.argtypes = [ctypes.c_void_p]
    L.tep_find_function_info.argtypes = [ctypes.c_void_p, ctypes.c_ulonglong,
        ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_ulonglong), ctypes.POINTER(ctypes.c_ulong)]
    L.tep_data_comm_from_pid.argtypes = [ctypes.c_void_p, ctypes.c_int]
    L.tep_data_comm_from_pid.restype = ctypes.c_char_p
    L.tep_parse_event.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    L.tep_find_event_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    L.tep_find_event_by_name.restype = ctypes.c_void_p
    class Field(ctypes.Structure):
        pass
    Field._fields_ = [("next", ctypes.c_void_p), ("event", ctypes.c_void_p), ("type", ctypes.c_char_p),
        ("name", ctypes.c_char_p), ("alias", ctypes.c_char_p), ("offset", ctypes.c_int), ("size", ctypes.c_int),
        ("arraylen", ctypes.c_uint), ("elementsize", ctypes.c_uint), ("flags", ctypes.c_ulong)]
    L.tep_event_fields.argtypes = [ctypes.c_void_p]
    L.tep_event_fields.restype = ctypes.POINTER(ctypes.POINTER(Field))
    L.tep_event_common_fields.argtypes = [ctypes.c_void_p]
    L.tep_event_common_fields.restype = ctypes.POINTER(ctypes.POINTER(Field))
    tep = L.tep_alloc()
    L.tep_set_long_size(tep, 8)
    def read(path):
        with open(path, "rb") as f:
            return f.read()

    """

    /// Runs `script` (after ``prelude``) with `args`; returns its standard output.
    static func run(_ script: String, args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", prelude + script] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// A fresh temporary directory for oracle inputs.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("traceevent-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
