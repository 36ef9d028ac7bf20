// FaultInjectionEnv implementation.
#include "server/fault_env.h"

#include <random>

namespace nsw {
namespace {

std::string DirOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

Status Dead(const std::string& what, const std::string& path) {
  return Status::IoError(what + " " + path + ": machine stopped (fault injection)");
}

}  // namespace

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionEnv* env, std::string path, std::unique_ptr<WritableFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}
  Status Append(std::string_view data) override { return env_->FileAppend(path_, base_.get(), data); }
  Status Sync() override { return env_->FileSync(path_, base_.get()); }
  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionEnv* env_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

void FaultInjectionEnv::SetSyncError(bool fail) {
  std::lock_guard<std::mutex> lock(mu_);
  sync_error_ = fail;
}

void FaultInjectionEnv::SetWriteBudget(int64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  write_budget_ = bytes;
}

void FaultInjectionEnv::Freeze(bool frozen) {
  std::lock_guard<std::mutex> lock(mu_);
  frozen_ = frozen;
}

void FaultInjectionEnv::BlockWrites(bool blocked) {
  std::lock_guard<std::mutex> lock(mu_);
  block_writes_ = blocked;
  unblocked_.notify_all();
}

void FaultInjectionEnv::BlockSyncs(bool blocked) {
  std::lock_guard<std::mutex> lock(mu_);
  block_syncs_ = blocked;
  unblocked_.notify_all();
}

int FaultInjectionEnv::blocked_writers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blocked_writers_;
}

int FaultInjectionEnv::blocked_syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blocked_syncs_;
}

uint64_t FaultInjectionEnv::syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return syncs_;
}

Status FaultInjectionEnv::NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (frozen_) return Dead("create", path);
  std::unique_ptr<WritableFile> base;
  Status s = base_->NewWritableFile(path, &base);
  if (!s.ok()) return s;
  files_[path] = FileState{};
  *out = std::make_unique<FaultWritableFile>(this, path, std::move(base));
  return Status::OK();
}

Status FaultInjectionEnv::NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (frozen_) return Dead("open", path);
  bool existed = base_->FileExists(path);
  std::unique_ptr<WritableFile> base;
  Status s = base_->NewAppendableFile(path, &base);
  if (!s.ok()) return s;
  if (files_.find(path) == files_.end()) {
    // Not written through this env: whatever is there is on disk already.
    FileState st;
    if (existed) base_->GetFileSize(path, &st.size);
    st.synced = st.size;
    st.entry_durable = existed;
    files_[path] = st;
  }
  *out = std::make_unique<FaultWritableFile>(this, path, std::move(base));
  return Status::OK();
}

Status FaultInjectionEnv::FileAppend(const std::string& path, WritableFile* base, std::string_view data) {
  std::unique_lock<std::mutex> lock(mu_);
  if (block_writes_) {
    ++blocked_writers_;
    unblocked_.wait(lock, [this] { return !block_writes_; });
    --blocked_writers_;
  }
  if (frozen_) return Dead("write", path);
  Status result;
  if (write_budget_ >= 0 && static_cast<int64_t>(data.size()) > write_budget_) {
    data = data.substr(0, static_cast<size_t>(write_budget_));
    result = Status::IoError("write " + path + ": No space left on device");
  }
  Status s = base->Append(data);
  if (!s.ok()) return s;
  if (write_budget_ >= 0) write_budget_ -= static_cast<int64_t>(data.size());
  files_[path].size += data.size();
  return result;
}

Status FaultInjectionEnv::FileSync(const std::string& path, WritableFile* base) {
  std::unique_lock<std::mutex> lock(mu_);
  if (block_syncs_) {
    ++blocked_syncs_;
    unblocked_.wait(lock, [this] { return !block_syncs_; });
    --blocked_syncs_;
  }
  if (frozen_) return Dead("fdatasync", path);
  if (sync_error_) return Status::IoError("fdatasync " + path + ": Input/output error");
  Status s = base->Sync();
  if (!s.ok()) return s;
  ++syncs_;
  FileState& st = files_[path];
  st.synced = st.size;
  return Status::OK();
}

Status FaultInjectionEnv::WriteFileAtomically(const std::string& path, std::string_view data, int mode) {
  std::lock_guard<std::mutex> lock(mu_);
  if (frozen_) return Dead("write", path);
  return base_->WriteFileAtomically(path, data, mode);
}

Status FaultInjectionEnv::TruncateFile(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  if (frozen_) return Dead("truncate", path);
  Status s = base_->TruncateFile(path, size);
  if (!s.ok()) return s;
  auto it = files_.find(path);
  if (it != files_.end()) {
    it->second.size = std::min(it->second.size, size);
    it->second.synced = std::min(it->second.synced, size);
  }
  return Status::OK();
}

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (frozen_) return Dead("unlink", path);
  Status s = base_->RemoveFile(path);
  if (s.ok()) files_.erase(path);
  return s;
}

Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  if (frozen_) return Dead("rename", from);
  Status s = base_->RenameFile(from, to);
  if (!s.ok()) return s;
  auto it = files_.find(from);
  if (it != files_.end()) {
    FileState st = it->second;
    st.entry_durable = false;
    files_.erase(it);
    files_[to] = st;
  }
  return Status::OK();
}

Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  std::unique_lock<std::mutex> lock(mu_);
  if (frozen_) return Dead("fsync", dir);
  if (sync_error_) return Status::IoError("fsync of directory " + dir + ": Input/output error");
  Status s = base_->SyncDir(dir);
  if (!s.ok()) return s;
  for (auto& [path, st] : files_) {
    if (DirOf(path) == dir) st.entry_durable = true;
  }
  return Status::OK();
}

Status FaultInjectionEnv::DropUnsyncedData(CrashMode mode, uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  std::mt19937_64 rng(seed);
  for (auto it = files_.begin(); it != files_.end();) {
    const std::string& path = it->first;
    FileState& st = it->second;
    if (!st.entry_durable) {
      if (base_->FileExists(path)) {
        Status s = base_->RemoveFile(path);
        if (!s.ok()) return s;
      }
      it = files_.erase(it);
      continue;
    }
    if (st.size > st.synced) {
      if (mode == CrashMode::kDropUnsynced) {
        Status s = base_->TruncateFile(path, st.synced);
        if (!s.ok()) return s;
        st.size = st.synced;
      } else {
        std::string bytes;
        Status s = base_->ReadFileToString(path, &bytes);
        if (!s.ok()) return s;
        constexpr uint64_t kPage = 4096;
        uint64_t end = st.synced + rng() % (st.size - st.synced + 1);
        bytes.resize(end);
        for (uint64_t page = st.synced / kPage * kPage; page < end; page += kPage) {
          if (rng() % 2 == 0) continue;  // this page reached the disk
          uint64_t from = std::max(page, st.synced);
          uint64_t to = std::min(page + kPage, end);
          for (uint64_t i = from; i < to; ++i) bytes[i] = '\0';
        }
        std::unique_ptr<WritableFile> out;
        s = base_->NewWritableFile(path, &out);
        if (s.ok()) s = out->Append(bytes);
        if (s.ok()) s = out->Sync();
        if (s.ok()) s = out->Close();
        if (!s.ok()) return s;
        st.size = end;
      }
    }
    st.synced = st.size;
    ++it;
  }
  return Status::OK();
}

}  // namespace nsw
