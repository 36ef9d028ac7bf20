// TestEnv: the real POSIX Env with a hand-driven clock, a switch that makes
// every later Sync and Append of files it opened fail, and a gate that holds
// syncs until released, for the service's tests (wall-clock progress without
// sleeping; a failing disk; records caught waiting for their sync).
// Thread-safe like the Env it wraps.
#ifndef NSW_TESTS_SERVER_TEST_ENV_H_
#define NSW_TESTS_SERVER_TEST_ENV_H_

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "server/journal/env.h"

namespace nsw {
namespace testing {

class TestEnv : public Env {
 public:
  TestEnv() : base_(NewPosixEnv()) {}

  void AdvanceMicros(int64_t us) { mono_.fetch_add(us); }
  void FailWrites() { state_->fail.store(true); }
  // While held, Sync of files opened here blocks.
  void HoldSyncs() {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->held = true;
  }
  void ReleaseSyncs() {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->held = false;
    }
    state_->cv.notify_all();
  }

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    std::unique_ptr<WritableFile> f;
    Status s = base_->NewWritableFile(path, &f);
    if (s.ok()) *out = std::make_unique<File>(std::move(f), state_);
    return s;
  }
  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    std::unique_ptr<WritableFile> f;
    Status s = base_->NewAppendableFile(path, &f);
    if (s.ok()) *out = std::make_unique<File>(std::move(f), state_);
    return s;
  }
  Status NewRandomAccessFile(const std::string& path, std::unique_ptr<RandomAccessFile>* out) override {
    return base_->NewRandomAccessFile(path, out);
  }
  Status ReadFileToString(const std::string& path, std::string* out) override {
    return base_->ReadFileToString(path, out);
  }
  Status WriteFileAtomically(const std::string& path, std::string_view data, int mode) override {
    return base_->WriteFileAtomically(path, data, mode);
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    return base_->GetChildren(dir, names);
  }
  Status GetFileSize(const std::string& path, uint64_t* size) override { return base_->GetFileSize(path, size); }
  Status GetFileMode(const std::string& path, int* mode) override { return base_->GetFileMode(path, mode); }
  Status TruncateFile(const std::string& path, uint64_t size) override { return base_->TruncateFile(path, size); }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status RenameFile(const std::string& from, const std::string& to) override { return base_->RenameFile(from, to); }
  Status CreateDirIfMissing(const std::string& dir) override { return base_->CreateDirIfMissing(dir); }
  Status SyncDir(const std::string& dir) override {
    if (state_->fail.load()) return Status::IoError("injected: sync of " + dir);
    return base_->SyncDir(dir);
  }
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    return base_->LockFile(path, lock);
  }
  int64_t NowMicros() override { return 1'700'000'000'000'000 + mono_.load(); }
  int64_t MonotonicMicros() override { return mono_.load(); }

 private:
  struct State {
    std::atomic<bool> fail{false};
    std::mutex mu;
    std::condition_variable cv;
    bool held = false;
  };

  class File : public WritableFile {
   public:
    File(std::unique_ptr<WritableFile> base, std::shared_ptr<State> state)
        : base_(std::move(base)), state_(std::move(state)) {}
    Status Append(std::string_view data) override {
      if (state_->fail.load()) return Status::IoError("injected: write");
      return base_->Append(data);
    }
    Status Sync() override {
      {
        std::unique_lock<std::mutex> lock(state_->mu);
        state_->cv.wait(lock, [this] { return !state_->held; });
      }
      if (state_->fail.load()) return Status::IoError("injected: sync");
      return base_->Sync();
    }
    Status Close() override { return base_->Close(); }

   private:
    std::unique_ptr<WritableFile> base_;
    std::shared_ptr<State> state_;
  };

  std::unique_ptr<Env> base_;
  std::atomic<int64_t> mono_{1000};
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// A fresh directory under $TMPDIR (or /tmp), removed with its files at the end.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/nsw-domain-test-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    path_ = ::mkdtemp(buf.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace testing
}  // namespace nsw

#endif  // NSW_TESTS_SERVER_TEST_ENV_H_
