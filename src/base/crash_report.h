// What a crashed process leaves behind: on a fatal signal (SIGSEGV,
// SIGBUS, SIGFPE, SIGILL, SIGABRT) a line naming the signal and the
// stack's return addresses go to stderr, then the signal takes its
// default course (a core file where the system keeps them). Without it a
// server that dies leaves only a closed port; with it the log shows
// where, and `addr2line -f -C -e lode 0x...` turns the addresses into
// functions (the binary is not position-independent: no offsets needed).
#ifndef LODE_BASE_CRASH_REPORT_H_
#define LODE_BASE_CRASH_REPORT_H_

namespace lode {

// Installs the handlers, on an alternate signal stack of the calling
// thread's and each thread's own stack (a stack overflow is reported
// from the main thread only). Safe to call more than once.
void InstallCrashReport();

}  // namespace lode

#endif  // LODE_BASE_CRASH_REPORT_H_
