#include "base/crash_report.h"

#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace lode {
namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr int kMaxFrames = 64;

std::atomic<bool> installed{false};

// Only async-signal-safe calls below: write(2), backtrace_symbols_fd and
// backtrace (whose library is loaded at install, so it does not allocate
// here).
void WriteString(const char* s) {
  size_t left = strlen(s);
  while (left > 0) {
    ssize_t n = write(STDERR_FILENO, s, left);
    if (n <= 0) return;
    s += n;
    left -= static_cast<size_t>(n);
  }
}

// `value` in base 10 or 16 (with 0x).
void WriteNumber(uintptr_t value, unsigned base) {
  char buf[32];
  char* p = buf + sizeof(buf);
  *--p = '\0';
  do {
    *--p = "0123456789abcdef"[value % base];
    value /= base;
  } while (value != 0);
  if (base == 16) {
    *--p = 'x';
    *--p = '0';
  }
  WriteString(p);
}

const char* SignalName(int sig) {
  switch (sig) {
    case SIGSEGV:
      return "SIGSEGV (invalid memory access)";
    case SIGBUS:
      return "SIGBUS (bus error, e.g. a mapped file was truncated)";
    case SIGFPE:
      return "SIGFPE (arithmetic error)";
    case SIGILL:
      return "SIGILL (illegal instruction)";
    case SIGABRT:
      return "SIGABRT (aborted)";
    default:
      return "a fatal signal";
  }
}

void OnFatalSignal(int sig, siginfo_t* info, void*) {
  WriteString("lode crashed: ");
  WriteString(SignalName(sig));
  if (sig == SIGSEGV || sig == SIGBUS) {
    WriteString(" at address ");
    WriteNumber(reinterpret_cast<uintptr_t>(info->si_addr), 16);
  }
  WriteString(", pid ");
  WriteNumber(static_cast<uintptr_t>(getpid()), 10);
  WriteString("; stack (resolve with addr2line -f -C -e <lode binary> <address>):\n");
  void* frames[kMaxFrames];
  int n = backtrace(frames, kMaxFrames);
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  // SA_RESETHAND restored the default action: raised again on return
  // (the faulting instruction runs again) or here for abort and kill.
  if (info->si_code <= 0) raise(sig);
}

}  // namespace

void InstallCrashReport() {
  if (installed.exchange(true)) return;
  // Loads libgcc's unwinder now: its first use allocates.
  void* warm[1];
  backtrace(warm, 1);
  static char alt_stack[64 * 1024];
  stack_t ss{};
  ss.ss_sp = alt_stack;
  ss.ss_size = sizeof(alt_stack);
  sigaltstack(&ss, nullptr);
  struct sigaction action {};
  action.sa_sigaction = OnFatalSignal;
  action.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (int sig : kSignals) sigaction(sig, &action, nullptr);
}

}  // namespace lode
