// Runs nsw-loadgen's command line inside the test process and captures what
// it prints. The load generator's process tests drive it through
// RunLoadgenCli, exactly as the binary's main() does, so a failing run shows
// its own report in the test output without a fork per run; the server they
// load is still a real nsw-server process.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "loadgen/cli.h"

namespace nsw::loadgen::in_process {

inline std::string ReadAll(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  return out;
}

// `args` without the program name. Standard output goes to *out; standard
// error to *err, or to *out as well when err is null. Returns the exit code.
inline int RunCli(std::vector<std::string> args, std::string* out, std::string* err = nullptr) {
  std::vector<char*> argv;
  args.insert(args.begin(), "nsw-loadgen");
  for (auto& a : args) argv.push_back(a.data());
  std::FILE* o = std::tmpfile();
  std::FILE* e = err != nullptr ? std::tmpfile() : o;
  CliEnvironment env;
  env.out = o;
  env.err = e;
  const int rc = RunLoadgenCli(static_cast<int>(argv.size()), argv.data(), env);
  *out = ReadAll(o);
  if (err != nullptr) {
    *err = ReadAll(e);
    std::fclose(e);
  }
  std::fclose(o);
  return rc;
}

}  // namespace nsw::loadgen::in_process
