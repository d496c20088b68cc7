#ifndef SWIFT_DDP_CMPI_SHARED_WAIT_H
#define SWIFT_DDP_CMPI_SHARED_WAIT_H
// Atomics and futexes on words in memory that the ranks of one machine share, for the
// barrier of the shared-memory collectives (DDPDistributed's SharedMemoryBarrier): Swift's
// atomics cannot live at an address inside an MPI window.
#include <stdint.h>
#include <time.h>
#if defined(__linux__)
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

static inline uint32_t swiftddp_atomic_load(uint32_t *word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }
static inline void swiftddp_atomic_store(uint32_t *word, uint32_t value) { __atomic_store_n(word, value, __ATOMIC_SEQ_CST); }
/// Adds `value` and returns the word as it was.
static inline uint32_t swiftddp_atomic_add(uint32_t *word, uint32_t value) {
    return __atomic_fetch_add(word, value, __ATOMIC_SEQ_CST);
}
static inline uint32_t swiftddp_atomic_subtract(uint32_t *word, uint32_t value) {
    return __atomic_fetch_sub(word, value, __ATOMIC_SEQ_CST);
}

/// Tells the core that this thread spins (x86's `pause`: less power, no penalty on exit).
static inline void swiftddp_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Sleeps while `*word == expected`, for at most `nanoseconds` (returns early on a wake-up,
/// a signal, or when the word already differs). Without futexes, sleeps 50 microseconds.
static inline void swiftddp_futex_wait(uint32_t *word, uint32_t expected, long nanoseconds) {
#if defined(__linux__)
    struct timespec timeout = { nanoseconds / 1000000000L, nanoseconds % 1000000000L };
    syscall(SYS_futex, word, FUTEX_WAIT, expected, &timeout, NULL, 0);
#else
    (void)word; (void)expected; (void)nanoseconds;
    struct timespec pause = { 0, 50000 };
    nanosleep(&pause, NULL);
#endif
}

/// Wakes every thread of every process sleeping in `swiftddp_futex_wait` on `word`.
static inline void swiftddp_futex_wake_all(uint32_t *word) {
#if defined(__linux__)
    syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
#else
    (void)word;
#endif
}
#endif
