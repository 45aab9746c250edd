/// The package's one lock type: a pthread mutex, allocated once (pthread needs its address
/// to stay put), with ``withLock(_:)`` and, for waits, ``Condition``.
///
/// (Not `Synchronization.Mutex`: it needs macOS 15 on Darwin and cannot be waited on with a
/// condition variable, which the chunk prefetcher needs.)
///
/// `@unchecked Sendable`: the mutex is the synchronization; its pointer never changes.
@safe
@_spi(Engine) public final class Lock: @unchecked Sendable {
    fileprivate let mutex: UnsafeMutablePointer<LibC.MutexValue>

    @_spi(Engine) public init() {
        unsafe mutex = .allocate(capacity: 1)
        unsafe LibC.initMutex(mutex)
    }

    deinit {
        unsafe LibC.destroyMutex(mutex)
        unsafe mutex.deallocate()
    }

    /// Takes the lock (pair it with ``unlock()``; prefer ``withLock(_:)``).
    @_spi(Engine) public func lock() { unsafe LibC.lockMutex(mutex) }

    @_spi(Engine) public func unlock() { unsafe LibC.unlockMutex(mutex) }

    /// Runs `body` with the lock held.
    @inline(__always)
    @_spi(Engine) public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }

    /// A condition variable, waited on with a ``Lock`` held.
    ///
    /// `@unchecked Sendable`: the pthread condition is the synchronization; its pointer never
    /// changes.
    @safe
    @_spi(Engine) public final class Condition: @unchecked Sendable {
        private let condition: UnsafeMutablePointer<LibC.ConditionValue>

        @_spi(Engine) public init() {
            unsafe condition = .allocate(capacity: 1)
            unsafe LibC.initCondition(condition)
        }

        deinit {
            unsafe LibC.destroyCondition(condition)
            unsafe condition.deallocate()
        }

        /// With `lock` held: releases it until the condition is signalled (or spuriously),
        /// then takes it again. Callers check what they wait for in a loop.
        @_spi(Engine) public func wait(_ lock: Lock) { unsafe LibC.waitCondition(condition, lock.mutex) }

        /// Wakes one waiter.
        @_spi(Engine) public func signal() { unsafe LibC.signalCondition(condition) }

        /// Wakes every waiter.
        @_spi(Engine) public func broadcast() { unsafe LibC.broadcastCondition(condition) }
    }
}
