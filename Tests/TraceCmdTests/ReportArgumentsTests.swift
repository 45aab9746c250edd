import Testing
@_spi(Engine) @testable import TraceReport
@_spi(Engine) import TraceEvent

/// `trace-cmd report`'s command line as its getopt reads it (the outputs are compared with
/// the reference in ReportOptionGoldenTests).
@Suite struct ReportArgumentsTests {
    @Test func groupedShortOptionsAndAttachedValues() throws {
        let o = try ReportOptions(arguments: ["-tRIS", "-rsched", "-n", "irq", "-Fsched_switch", "-ifile.dat"])
        #expect(o.nanoseconds && o.raw && o.dropHardIRQ && o.dropSoftIRQ)
        #expect(o.rawEvents == ["sched"])
        #expect(o.noHandlerEvents == ["irq"])
        #expect(o.inputs.map(\.path) == ["file.dat"])
        #expect(o.inputs[0].filters == ["sched_switch"])
    }

    @Test func longOptionsMayBeAbbreviated() throws {
        #expect(try ReportOptions(arguments: ["--align"]).alignTimestamps)
        #expect(try ReportOptions(arguments: ["--prof"]).profile)
        // "cpu" is exact (also a prefix of "cpus"); "--ts" is ambiguous.
        #expect(try ReportOptions(arguments: ["--cpu", "1"]).cpus == [1])
        #expect(throws: ReportOptions.ArgumentError.self) { try ReportOptions(arguments: ["--ts"]) }
        #expect(throws: ReportOptions.ArgumentError.self) { try ReportOptions(arguments: ["--stat=1"]) }
    }

    @Test func theFirstFileNameEndsTheOptions() throws {
        let o = try ReportOptions(arguments: ["-t", "x.dat", "-R"])
        #expect(o.nanoseconds)
        #expect(!o.raw)
        #expect(o.inputs.map(\.path) == ["x.dat"])
        #expect(throws: ReportOptions.ArgumentError.self) { try ReportOptions(arguments: ["-i", "a.dat", "b.dat"]) }
    }

    @Test func verboseLevels() throws {
        #expect(try ReportOptions(arguments: ["-V"]).verbosity == 4)
        #expect(try ReportOptions(arguments: ["-V2"]).verbosity == 2)
        #expect(try ReportOptions(arguments: ["--verbose=debug"]).verbosity == 5)
        #expect(try ReportOptions(arguments: ["--verbose=9"]).verbosity == 6)
        #expect(throws: ReportOptions.ArgumentError.self) { try ReportOptions(arguments: ["-Vloud"]) }
    }

    @Test func clockFrequencyPerInput() throws {
        let o = try ReportOptions(arguments: ["--ts2secs", "5", "-i", "a", "--ts2secs", "7", "-i", "b", "--ts2secs", "9"])
        #expect(o.clockHz == 7)
        #expect(o.inputs.map(\.clockHz) == [0, 9])
    }

    /// libtraceevent toggles an option given without a value each time an input loads the
    /// plugins; a value sets it; a named and an unnamed record of one option both apply.
    @Test func pluginOptions() throws {
        func effective(_ args: [String]) throws -> PluginOptionsSummary {
            let p = try ReportOptions(arguments: args).effectivePluginOptions
            return PluginOptionsSummary(parent: p.functionParent, indent: p.functionIndent, offset: p.functionOffset,
                                        tail: p.graphTailPrint, depth: p.graphDepth)
        }
        #expect(try effective(["-O", "offset", "-i", "a"]).offset)
        #expect(try !effective(["-O", "offset", "-i", "a", "-i", "b"]).offset)
        #expect(try effective(["-O", "offset=1", "-i", "a", "-i", "b"]).offset)
        #expect(try !effective(["-O", "offset", "-O", "ftrace:offset", "-i", "a"]).offset)
        #expect(try !effective(["-O", "indent", "-i", "a"]).indent)
        #expect(try effective(["-O", "indent=TRUE", "-i", "a"]).indent)  // only "1" and "true" set
        #expect(try effective(["-O", "fgraph:depth", "-O", "tailprint=true", "-i", "a"]).depth)
        #expect(try effective(["-O", "fgraph:depth", "-O", "tailprint=true", "-i", "a"]).tail)
        #expect(try !effective(["-O", "other:parent", "-i", "a"]).parent)
    }

    struct PluginOptionsSummary {
        var parent, indent, offset, tail, depth: Bool
    }

    @Test func hooks() throws {
        let h = try #require(TaskProfiler.Hook.parse("sched:sched_waking,pid,pid/sched_switch,next_pid,pG"))
        #expect(h.hook.startSystem == "sched" && h.hook.startEvent == "sched_waking" && h.hook.startMatch == "pid")
        #expect(h.hook.pid == "pid" && h.hook.endSystem == nil && h.hook.endEvent == "sched_switch")
        #expect(h.hook.endMatch == "next_pid" && !h.hook.migrate && h.hook.global)
        #expect(h.description == "start sched:sched_waking:pid (pid) end (null):sched_switch:next_pid (pG)")
        #expect(TaskProfiler.Hook.parse("sched_waking") == nil)
    }
}
