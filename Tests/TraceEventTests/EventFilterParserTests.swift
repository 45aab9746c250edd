import Foundation
import Testing
@_spi(Engine) @testable import TraceEvent

@Suite struct EventFilterParserTests {
    static let fixture: Result<EventFilterFixture, any Error> = Result { try EventFilterFixture.load("trace") }

    func events() throws -> [EventFormat] { try Self.fixture.get().events }

    func lines(_ filter: String) throws -> [String] {
        try EventFilter(filters: [filter], events: events(), byteOrder: .little).testModeLines
    }

    func error(_ filter: String) throws -> EventFilterError? {
        let events = try events()
        do {
            _ = try EventFilter(filters: [filter], events: events, byteOrder: .little)
            return nil
        } catch {
            return error
        }
    }

    /// Every line of parse-cases.txt: what `trace-cmd report -T -F <line>` prints (the
    /// simplified filter per selected event), or that it fails, with its stderr and status.
    @Test func parseMatchesReferenceTestMode() throws {
        let golden = try EventFilterFixture.text("parse.golden")
        var blocks: [(filter: String, rc: Int, output: [String])] = []
        for line in golden.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("### ") {
                blocks.append((String(line.dropFirst(4)), -1, []))
            } else if line.hasPrefix("rc="), !blocks.isEmpty {
                blocks[blocks.count - 1].rc = Int(line.dropFirst(3)) ?? -1
            } else if !line.isEmpty, !blocks.isEmpty {
                blocks[blocks.count - 1].output.append(String(line))
            }
        }
        #expect(blocks.count >= 60)
        for b in blocks {
            switch b.rc {
            case 0:
                #expect(try lines(b.filter) == b.output, "filter \(b.filter)")
            case 255, 12:
                let e = try error(b.filter)
                #expect(e != nil, "filter \(b.filter) should fail")
                if let e {
                    let out = e.reportOutput.split(separator: "\n").map(String.init)
                    #expect(out == b.output, "filter \(b.filter)")
                    #expect(e.reportExitStatus == Int32(b.rc), "filter \(b.filter)")
                }
            default:
                // The reference crashes (139: segfault, 134: double free); we refuse the filter.
                #expect(try error(b.filter) != nil, "filter \(b.filter) (reference rc \(b.rc))")
            }
        }
    }

    // The expectations below are what the reference prints with -T (see parse.golden).

    @Test func logicalOperatorsHaveEqualPrecedenceLeftToRight() throws {
        #expect(try lines("sched_switch: prev_pid == 0 || next_pid == 0 && prev_prio == 120")
            == [" 'sched_switch: ((prev_pid == 0) || (next_pid == 0)) && (prev_prio == 120)'"])
        #expect(try lines("sched_switch: prev_pid == 0 && next_pid == 0 || prev_prio == 120")
            == [" 'sched_switch: ((prev_pid == 0) && (next_pid == 0)) || (prev_prio == 120)'"])
        #expect(try lines("sched_switch: prev_pid == 0 || (next_pid == 0 && prev_prio == 120)")
            == [" 'sched_switch: (prev_pid == 0) || ((next_pid == 0) && (prev_prio == 120))'"])
    }

    @Test func negationAndUnknownFields() throws {
        #expect(try lines("sched_switch: !prev_pid == 0") == [" 'sched_switch: !(prev_pid == 0)'"])
        #expect(try lines("sched_switch: !bogus == 1") == [" 'sched_switch: TRUE'"])
        #expect(try lines("sched_switch: bogus == 1 && prev_pid == 1") == [" 'sched_switch: FALSE'"])
        #expect(try lines("sched_switch: bogus == 1 || prev_pid == 1") == [" 'sched_switch: prev_pid == 1'"])
        #expect(try lines("sched_switch,sched_wakeup: prev_pid == 1")
            == [" 'sched_wakeup: FALSE'", " 'sched_switch: prev_pid == 1'"])
    }

    @Test func quirksOfTheReference() throws {
        // `-1` is `-` then `1`: the comparison turns into arithmetic.
        #expect(try lines("sched_switch: prev_pid == -1") == [" 'sched_switch: prev_pid - 1'"])
        // A second comparison without && / || replaces the first.
        #expect(try lines("sched_switch: prev_pid == 1 next_pid == 2") == [" 'sched_switch: next_pid == 2'"])
        // strtoull base 0, saturating.
        #expect(try lines("sched_switch: prev_pid == 0x10 || next_pid == 010")
            == [" 'sched_switch: (prev_pid == 16) || (next_pid == 8)'"])
        #expect(EventFilterParser.parseNumber(Array("99999999999999999999999".utf8)) == UInt64.max)
        #expect(EventFilterParser.parseNumber(Array("08".utf8)) == 0)
        #expect(EventFilterParser.parseNumber(Array("0x".utf8)) == 0)
        #expect(EventFilterParser.parseNumber(Array("12abc".utf8)) == 12)
        // Adjacent double-quoted strings are joined; backslashes are kept.
        #expect(try lines("sched_switch: prev_comm == \"ab\" \"cd\"") == [" 'sched_switch: prev_comm == \"abcd\"'"])
        #expect(try lines("sched_switch: prev_comm == \"a\\\"b\"") == [" 'sched_switch: prev_comm == \"a\\\"b\"'"])
    }

    @Test func errors() throws {
        #expect(try error("sched_switch: prev_pid = 1")?.message == "Unknown op token =")
        #expect(try error("sched_switch: prev_pid == next_pid")?.kind == .syntax)
        #expect(try error("sched_switch: prev_pid == bogus")?.message == "Illegal rvalue")
        #expect(try error("sched_switch: prev_comm < \"a\"")?.message == "Illegal comparison for string")
        #expect(try error("sched_switch: prev_pid =~ 1")?.message == "Op not allowed with integers")
        #expect(try error("sched_switch: prev_comm =~ \"[a\"")?.kind == .invalidRegex)
        #expect(try error("sched_switch: (prev_pid == 1")?.message == "Unbalanced number of '('")
        #expect(try error("sched_switch: prev_pid (== 1)")?.message == "Open paren can not come after item")
        #expect(try error("nosuchevent")?.kind == .eventNotFound)
        #expect(try error("[sched")?.kind == .invalidEventName)
        #expect(try error("sched_switch,")?.kind == .emptyEventName)
        #expect(try error("sched_switch: prev_pid == 1, next_pid == 2")?.kind == .commaInExpression)
        // The reference segfaults on these two.
        #expect(try error("sched_switch: prev_pid ==")?.kind == .referenceCrash)
        #expect(try error("sched_switch: CPU == \"1\"")?.kind == .referenceCrash)
        let e = try #require(try error("garbage"))
        #expect(e.reportOutput == "  Failed to create event filter: garbage\n")
        #expect(e.reportExitStatus == 255)
    }

    /// Hostile nesting gives an error, not a stack overflow; reasonable nesting works.
    @Test func depthIsBounded() throws {
        let deep = 100_000
        let parens = "sched_switch: " + String(repeating: "(", count: deep) + "prev_pid == 1"
            + String(repeating: ")", count: deep)
        #expect(try error(parens)?.kind == .tooComplex)
        let nots = "sched_switch: " + String(repeating: "!", count: deep) + "prev_pid == 1"
        #expect(try error(nots)?.kind == .tooComplex)
        let chain = "sched_switch: prev_pid == 1" + String(repeating: " || prev_pid == 2", count: deep)
        #expect(try error(chain)?.kind == .tooComplex)

        let ok = 100
        let nested = "sched_switch: " + String(repeating: "(", count: ok) + "prev_pid == 1"
            + String(repeating: ")", count: ok)
        #expect(try lines(nested) == [" 'sched_switch: prev_pid == 1'"])
        let longChain = "sched_switch: prev_pid == 1" + String(repeating: " || prev_pid == 2", count: 500)
        #expect(try lines(longChain).count == 1)
    }

    @Test func lexer() {
        func kinds(_ s: String) -> [String] {
            EventFilterLexer.tokenize(Array(s.utf8)).map { "\($0.kind):\($0.string)" }
        }
        #expect(kinds("a==1&&b!=2") == ["item:a", "op:==", "item:1", "op:&&", "item:b", "op:!=", "item:2"])
        #expect(kinds("a=~\"x\" ! ~ b!~'y'") == ["item:a", "op:=~", "doubleQuoted:x", "op:!", "op:~",
                                                 "item:b", "op:!~", "singleQuoted:y"])
        #expect(kinds("a>>=b->c<d") == ["item:a", "op:>>=", "item:b", "op:->", "item:c", "op:<", "item:d"])
        // Non-ASCII ends the input; so does an unterminated string.
        #expect(kinds("a == 1 é b") == ["item:a", "op:==", "item:1"])
        #expect(kinds("a == \"abc") == ["item:a", "op:=="])
        // A tab ends a string silently; the rest goes on.
        #expect(kinds("a == \"b\tc\" ") == ["item:a", "op:==", "doubleQuoted:b", "item:c"])
    }
}
