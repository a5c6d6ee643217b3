// Clang's thread-safety annotations (-Wthread-safety): which mutex guards
// a member, which a function needs held, which it takes or releases. With
// them the compiler checks that a guarded member is only touched under its
// mutex. They expand to nothing under other compilers, which would warn
// about unknown attributes.
//
// The mutex types that carry them are in base/mutex.h. For the attributes
// themselves see https://clang.llvm.org/docs/ThreadSafetyAnalysis.html.
#pragma once

#if defined(__clang__)
#define LODE_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define LODE_THREAD_ANNOTATION_(x)
#endif

// A class whose instances are locks ("mutex" names the kind in warnings).
#define CAPABILITY(x) LODE_THREAD_ANNOTATION_(capability(x))

// An RAII class that holds a capability for its lifetime.
#define SCOPED_CAPABILITY LODE_THREAD_ANNOTATION_(scoped_lockable)

// A member read and written only with the mutex `x` held.
#define GUARDED_BY(x) LODE_THREAD_ANNOTATION_(guarded_by(x))

// A pointer member whose pointee is guarded by `x` (the pointer itself
// is not).
#define PT_GUARDED_BY(x) LODE_THREAD_ANNOTATION_(pt_guarded_by(x))

// The caller must hold these mutexes.
#define REQUIRES(...) LODE_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))

// The caller must not hold these mutexes: the function takes them itself.
#define EXCLUDES(...) LODE_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))

// The function takes these mutexes (none named: `this`) and returns with
// them held.
#define ACQUIRE(...) LODE_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))

// The function releases these mutexes (none named: `this`), which the
// caller held.
#define RELEASE(...) LODE_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))

// The function returns only if the calling thread holds the mutex; the
// analysis takes it as held from then on.
#define ASSERT_CAPABILITY(x) LODE_THREAD_ANNOTATION_(assert_capability(x))

// Turns the analysis off for one function. Each use says why in a
// comment: a lock pattern the analysis cannot follow.
#define NO_THREAD_SAFETY_ANALYSIS LODE_THREAD_ANNOTATION_(no_thread_safety_analysis)
