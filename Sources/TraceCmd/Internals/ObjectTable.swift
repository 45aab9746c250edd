/// A table of object references that per-record code reads without reference counting: the
/// table keeps its objects alive (strong references in ``objects``) and lends each one for
/// the duration of a closure, which needs no retain while the table itself is alive.
///
/// Slots may be empty (`nil`) and filled later (``set(_:_:)``). Every access is
/// bounds-checked. Not thread-safe: one thread at a time.
@safe
@usableFromInline
package final class ObjectTable<Object: AnyObject> {
    /// The objects (what keeps them alive).
    @usableFromInline @exclusivity(unchecked) package private(set) var objects: [Object?]
    /// ``objects``, unretained.
    @usableFromInline let refs: UnsafeMutablePointer<Unmanaged<Object>?>
    /// The number of slots.
    @usableFromInline package let count: Int

    /// A table of `objects`.
    package init(_ objects: [Object?]) {
        unsafe self.objects = objects
        count = objects.count
        unsafe refs = UnsafeMutablePointer<Unmanaged<Object>?>.allocate(capacity: max(objects.count, 1))
        for (i, o) in objects.enumerated() { unsafe (refs + i).initialize(to: o.map { unsafe .passUnretained($0) }) }
    }

    /// A table of `count` empty slots.
    package convenience init(count: Int) {
        self.init([Object?](repeating: nil, count: count))
    }

    deinit {
        // Unmanaged references are plain values: nothing to deinitialize.
        unsafe refs.deallocate()
    }

    /// Calls `body` with the object in slot `k`, or returns `nil` when the slot is empty.
    @inlinable @inline(__always)
    package func with<R>(_ k: Int, _ body: (Object) throws -> R) rethrows -> R? {
        precondition(UInt(bitPattern: k) < UInt(bitPattern: count), "object table index out of range")
        guard let ref = unsafe refs[k] else { return nil }
        return try unsafe ref._withUnsafeGuaranteedRef(body)
    }

    /// Calls `body` with the object in slot `k` without reference counting, first putting
    /// `make()` in the slot when it is empty (`make` must not use the table).
    @inlinable @inline(__always)
    package func with<R>(_ k: Int, orMake make: () -> Object, _ body: (Object) -> R) -> R {
        precondition(UInt(bitPattern: k) < UInt(bitPattern: count), "object table index out of range")
        if _slowPath(unsafe refs[k] == nil) { set(k, make()) }
        // Set now: either it was, or `set` just filled it (and never empties a slot).
        return unsafe refs[k].unsafelyUnwrapped._withUnsafeGuaranteedRef(body)
    }

    /// Whether slot `k` holds an object.
    @inlinable @inline(__always)
    package func contains(_ k: Int) -> Bool {
        precondition(UInt(bitPattern: k) < UInt(bitPattern: count), "object table index out of range")
        return unsafe refs[k] != nil
    }

    /// Puts `object` in the empty slot `k` (the table keeps it alive; a slot is never
    /// replaced, so no lent object goes away while the table lives).
    @usableFromInline
    package func set(_ k: Int, _ object: Object) {
        precondition(UInt(bitPattern: k) < UInt(bitPattern: count), "object table index out of range")
        precondition(unsafe refs[k] == nil, "object table slot already set")
        unsafe objects[k] = object
        unsafe refs[k] = .passUnretained(object)
    }
}
