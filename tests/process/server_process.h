// Test helpers that run the real binaries: ServerProcess starts nsw-server
// (NSW_SERVER_BIN) on 127.0.0.1 with a free port (--listen 127.0.0.1:0; the
// port is read from its "listening on 127.0.0.1:PORT" log line) in a
// scratch data directory, waits for "ready", and stops it with a signal,
// reporting the exit status; RunProgram runs a command line to completion
// with its output captured. Every wait is bounded. Not thread-safe.
#ifndef NSW_TESTS_PROCESS_SERVER_PROCESS_H_
#define NSW_TESTS_PROCESS_SERVER_PROCESS_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace nsw::process_testing {

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nsw-process-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Starts `argv` with stdout and stderr appended to `log_path`; -1 on failure.
inline pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The test blocks nothing, but a signal mask inherited from a runner
  // would keep SIGTERM from reaching the server: start it clean.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc == 0 ? pid : -1;
}

// waitpid with a deadline. The exit code, 128 + signal when killed by one,
// or nullopt when still running at the deadline.
inline std::optional<int> WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    }
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

struct ProgramResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

// Runs `argv` to completion (killed after 60 s).
inline ProgramResult RunProgram(const std::vector<std::string>& argv, const std::string& scratch_dir) {
  static int counter = 0;
  std::string log = scratch_dir + "/program-" + std::to_string(++counter) + ".out";
  ProgramResult result;
  pid_t pid = Spawn(argv, log);
  if (pid < 0) {
    ADD_FAILURE() << "cannot start " << argv[0];
    return result;
  }
  std::optional<int> code = WaitExit(pid, std::chrono::seconds(60));
  if (!code) {
    kill(pid, SIGKILL);
    WaitExit(pid, std::chrono::seconds(5));
    ADD_FAILURE() << argv[0] << " did not finish within 60 s";
  }
  result.exit_code = code.value_or(-1);
  result.output = ReadFile(log);
  return result;
}

class ServerProcess {
 public:
  // `data_dir` is passed as --data-dir; the log goes beside it.
  explicit ServerProcess(std::string data_dir) : data_dir_(std::move(data_dir)), log_path_(data_dir_ + ".log") {}
  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      WaitExit(pid_, std::chrono::seconds(10));
    }
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts nsw-server with --listen 127.0.0.1:0 (unless `args` has
  // --listen), --data-dir and `args`; waits (at most 60 s) for the port and,
  // when `wait_ready`, the "ready" line. False (with the log in the failure
  // message) when the server exits or stays silent.
  bool Start(std::vector<std::string> args = {}, bool wait_ready = true) {
    std::vector<std::string> argv = {NSW_SERVER_BIN, "--data-dir", data_dir_};
    bool has_listen = false;
    for (const auto& a : args) has_listen |= a == "--listen";
    if (!has_listen) argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
    argv.insert(argv.end(), args.begin(), args.end());
    log_offset_ = std::filesystem::exists(log_path_) ? std::filesystem::file_size(log_path_) : 0;
    pid_ = Spawn(argv, log_path_);
    if (pid_ < 0) {
      ADD_FAILURE() << "cannot start " << NSW_SERVER_BIN;
      return false;
    }
    static const std::regex kListening(R"(listening on ([0-9.]+|\[[0-9a-f:]+\]):([0-9]+))");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string text = log();
      std::smatch m;
      if (port_ == 0 && std::regex_search(text, m, kListening)) port_ = static_cast<uint16_t>(std::stoi(m[2]));
      if (port_ != 0 && (!wait_ready || text.find(" ready\n") != std::string::npos)) return true;
      if (auto code = WaitExit(pid_, std::chrono::milliseconds(0))) {
        pid_ = -1;
        exit_code_ = *code;
        ADD_FAILURE() << "nsw-server exited with " << *code << " during start:\n" << log();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "nsw-server did not become ready within 60 s:\n" << log();
    return false;
  }

  // Sends `signal` and waits (at most 60 s) for the exit code; -1 if it had
  // to be killed.
  int Stop(int signal = SIGTERM) {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, signal);
    std::optional<int> code = WaitExit(pid_, std::chrono::seconds(60));
    if (!code) {
      kill(pid_, SIGKILL);
      WaitExit(pid_, std::chrono::seconds(10));
      ADD_FAILURE() << "nsw-server ignored signal " << signal << " for 60 s:\n" << log();
    }
    pid_ = -1;
    port_ = 0;
    exit_code_ = code.value_or(-1);
    return exit_code_;
  }

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& data_dir() const { return data_dir_; }
  std::string key_file(const char* name) const { return data_dir_ + "/" + name; }
  // The log of the current (or last) run.
  std::string log() const { return ReadFile(log_path_).substr(log_offset_); }

 private:
  std::string data_dir_;
  std::string log_path_;
  size_t log_offset_ = 0;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int exit_code_ = -1;
};

}  // namespace nsw::process_testing

#endif  // NSW_TESTS_PROCESS_SERVER_PROCESS_H_
