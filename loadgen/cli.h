// The nsw-loadgen command line (DESIGN.md "Command lines"): gen, replay,
// url, merge and report, parsed with CLI11 into options, run through the
// library, with exit codes 0 (success), 1 (runtime failure: unreachable
// target, bad input file, duplicates or late arrivals), 2 (usage: a bad
// flag or value, reported in one line naming it) and 99 (a --threshold
// failed). Everything is here rather than in main.cc so tests can run the
// command line in-process.
#ifndef NSW_LOADGEN_CLI_H_
#define NSW_LOADGEN_CLI_H_

#include <cstdio>
#include <functional>

namespace nsw::loadgen {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitThreshold = 99;

// The exit code of a finished run: failures (runtime) before thresholds.
int ExitCodeFor(bool failed, bool thresholds_passed);

struct CliEnvironment {
  std::FILE* out = stdout;
  std::FILE* err = stderr;
  // Progress lines are rewritten in place ("\r") on a terminal and printed
  // one per line otherwise.
  bool out_is_terminal = false;
  // Called with a function that stops the running engine (for SIGINT);
  // called again with nullptr when the run is over. May be empty.
  std::function<void(std::function<void()>)> set_interrupt_handler;
};

int RunLoadgenCli(int argc, char** argv, const CliEnvironment& env);

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_CLI_H_
