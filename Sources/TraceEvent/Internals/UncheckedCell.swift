/// One value that one object owns and reads or writes on a per-record path, without Swift's
/// dynamic exclusivity checks.
///
/// A class's stored `var` pays `swift_beginAccess`/`swift_endAccess` (about 75 instructions)
/// on every access the optimizer cannot prove free of conflicts. The record path's owners
/// (a CPU's record stream, the event cursor, the report loop) keep their per-record state in
/// one struct inside a cell instead: the cell is a `let` of its owner, and its one stored
/// value is `@exclusivity(unchecked)` (the `unsafe` part, and the only place it is written).
///
/// The promise the compiler does not check: the owner is used by one thread at a time, and
/// no access to ``value`` starts while another is in progress (no `inout` argument to a call
/// that reads the cell again, no closure run inside an access that touches it). Owners keep
/// to it by reading fields into locals and writing them back, and by calling nothing of their
/// own while they hold a `modify`. Not `Sendable`.
@safe
@usableFromInline
package final class UncheckedCell<Value> {
    @usableFromInline @exclusivity(unchecked) var stored: Value

    /// A cell holding `value`.
    @inlinable
    package init(_ value: Value) {
        unsafe stored = value
    }

    /// The value, read and written in place.
    @inlinable
    package var value: Value {
        @inline(__always) _read { yield unsafe stored }
        @inline(__always) _modify { yield unsafe &stored }
    }
}
