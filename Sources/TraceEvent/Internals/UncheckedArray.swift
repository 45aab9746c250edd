/// An array that one object owns and reads or writes element by element on a per-record
/// path, without Swift's dynamic exclusivity checks.
///
/// A class's `var` array pays `swift_beginAccess`/`swift_endAccess` (about 75 instructions)
/// on every access the optimizer cannot prove free of conflicts, which is every write that
/// may release a value. This type keeps its array `@exclusivity(unchecked)` (the `unsafe`
/// part) and exposes only members under which no two accesses to it can overlap:
/// each one reads or writes by copy, runs no closure and no other code of the module while
/// it holds the array, and releases an overwritten element only after its access ended
/// (``set(_:_:)`` swaps the new value in). Not `Sendable`: one thread uses it.
@safe
final class UncheckedArray<Element> {
    @exclusivity(unchecked) private var elements: [Element]

    /// `count` copies of `value`.
    init(repeating value: Element, count: Int) {
        unsafe elements = Array(repeating: value, count: count)
    }

    /// An empty array.
    init() {
        unsafe elements = []
    }

    /// The number of elements.
    var count: Int {
        @inline(__always) get { unsafe elements.count }
    }

    /// Element `index` (which must be below ``count``; traps otherwise, as an array does).
    subscript(index: Int) -> Element {
        @inline(__always) get { unsafe elements[index] }
    }

    /// Replaces element `index` (which must be below ``count``) with `value`; the old value
    /// is released after the array's access ended.
    @inline(__always)
    func set(_ index: Int, _ value: Element) {
        var old = value
        unsafe swap(&elements[index], &old)
    }

    /// Appends `count` copies of `value`.
    func append(repeating value: Element, count: Int) {
        guard count > 0 else { return }
        unsafe elements.append(contentsOf: repeatElement(value, count: count))
    }

    /// Takes the whole array out, leaving `replacement` in its place.
    @inline(__always)
    func exchange(with replacement: [Element]) -> [Element] {
        var other = replacement
        unsafe swap(&elements, &other)
        return other
    }
}

extension UncheckedArray where Element == UInt8 {
    /// Stores `bytes` from `index` on (which, with their count, must be inside the array).
    func store(_ bytes: some Sequence<UInt8>, at index: Int) {
        var i = index
        for b in bytes {
            unsafe elements[i] = b
            i += 1
        }
    }

    /// Appends the bytes of `range` (which must be inside the array) to `out`.
    @inline(__always)
    func append(_ range: Range<Int>, to out: inout TextBuffer) {
        unsafe out.append(contentsOf: elements, range)
    }
}
