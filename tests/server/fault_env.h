// FaultInjectionEnv: an Env over a real one (leveldb's FaultInjectionTestEnv
// as the model) that tracks, for every file written through it, how much has
// been synced and whether its directory entry is durable, and can:
//   - fail every Sync/SyncDir with EIO (SetSyncError),
//   - fill the disk: Append writes what fits in a byte budget, then fails
//     with ENOSPC (SetWriteBudget),
//   - stop the machine: every later write, sync, create, truncate or remove
//     fails (Freeze), so a crash point is atomic with respect to the writer,
//   - simulate the crash: drop what was not synced (DropUnsyncedData), either
//     cleanly (files cut at their synced size) or torn (a random subset of
//     the unsynced 4 KiB pages kept, the rest zeros, the file ending anywhere
//     in the unsynced range); files never made durable by a directory sync
//     disappear,
//   - hold writes or syncs until released (BlockWrites/BlockSyncs), to look
//     at the journal while the disk is slow.
// Thread-safe.
#ifndef NSW_TESTS_SERVER_FAULT_ENV_H_
#define NSW_TESTS_SERVER_FAULT_ENV_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "server/journal/env.h"

namespace nsw {

class FaultInjectionEnv final : public Env {
 public:
  explicit FaultInjectionEnv(Env* base) : base_(base) {}

  void SetSyncError(bool fail);
  // Bytes that may still be written; negative means unlimited.
  void SetWriteBudget(int64_t bytes);
  void Freeze(bool frozen);
  void BlockWrites(bool blocked);
  void BlockSyncs(bool blocked);
  // Writers currently held by BlockWrites/BlockSyncs.
  int blocked_writers() const;
  int blocked_syncs() const;
  uint64_t syncs() const;

  enum class CrashMode { kDropUnsynced, kTornUnsynced };
  // Applies the crash to the files on disk; afterwards all of them count as
  // synced. Call with the journal closed.
  Status DropUnsyncedData(CrashMode mode, uint64_t seed);

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override;
  Status NewRandomAccessFile(const std::string& path, std::unique_ptr<RandomAccessFile>* out) override {
    return base_->NewRandomAccessFile(path, out);
  }
  Status ReadFileToString(const std::string& path, std::string* out) override {
    return base_->ReadFileToString(path, out);
  }
  Status WriteFileAtomically(const std::string& path, std::string_view data, int mode) override;
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    return base_->GetChildren(dir, names);
  }
  Status GetFileSize(const std::string& path, uint64_t* size) override { return base_->GetFileSize(path, size); }
  Status GetFileMode(const std::string& path, int* mode) override { return base_->GetFileMode(path, mode); }
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status CreateDirIfMissing(const std::string& dir) override { return base_->CreateDirIfMissing(dir); }
  Status SyncDir(const std::string& dir) override;
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    return base_->LockFile(path, lock);
  }
  int64_t NowMicros() override { return base_->NowMicros(); }
  int64_t MonotonicMicros() override { return base_->MonotonicMicros(); }

 private:
  friend class FaultWritableFile;
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
    bool entry_durable = false;  // its directory was synced after creation
  };

  Status FileAppend(const std::string& path, WritableFile* base, std::string_view data);
  Status FileSync(const std::string& path, WritableFile* base);

  Env* const base_;
  mutable std::mutex mu_;
  std::condition_variable unblocked_;
  std::map<std::string, FileState> files_;
  bool sync_error_ = false;
  int64_t write_budget_ = -1;
  bool frozen_ = false;
  bool block_writes_ = false;
  bool block_syncs_ = false;
  int blocked_writers_ = 0;
  int blocked_syncs_ = 0;
  uint64_t syncs_ = 0;
};

}  // namespace nsw

#endif  // NSW_TESTS_SERVER_FAULT_ENV_H_
