// Env: everything the domain asks of the operating system: files, directory
// sync, the data-directory lock, and the wall clock (leveldb's Env). The
// journal and the sequencer take an Env*, so tests can fail a sync, fill the
// disk, drop unsynced bytes (see FaultInjectionEnv in tests) or jump time.
// NewPosixEnv() is the real one. Implementations are safe for concurrent use;
// a single file object is not.
#ifndef NSW_SERVER_JOURNAL_ENV_H_
#define NSW_SERVER_JOURNAL_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proto/status.h"

namespace nsw {

// A file written front to back. Append buffers nothing of its own: what it
// returns OK for has reached the OS (write()), and Sync makes it durable
// (fdatasync).
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  // Cuts the file where Append stopped, dropping the zeros a file opened by
  // Env::ReuseWritableFile has beyond it; durable after the next Sync. A
  // no-op for files that only ever grew.
  virtual Status TrimToWritten() { return Status::OK(); }
};

// A file read at offsets; safe for concurrent reads.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at offset into *out (fewer at end of file).
  virtual Status Read(uint64_t offset, size_t n, std::string* out) const = 0;
  // The same into caller memory (no copy through a string); *got is how many
  // bytes arrived. The default goes through Read.
  virtual Status ReadInto(uint64_t offset, size_t n, char* dst, size_t* got) const {
    std::string tmp;
    Status s = Read(offset, n, &tmp);
    *got = s.ok() ? tmp.size() : 0;
    if (*got > 0) tmp.copy(dst, *got);
    return s;
  }
};

// A whole file's bytes as one read-only view, for scanning it front to back
// without copying it (recovery reads every journal byte once). The view is
// the file as it was when opened; it stays valid for the object's life.
class MappedFile {
 public:
  virtual ~MappedFile() = default;
  virtual std::string_view data() const = 0;
};

// Held while a server owns a data directory; released on destruction.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // Creates or truncates.
  virtual Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) = 0;
  // Opens for appending at the current end, creating if needed.
  virtual Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) = 0;
  virtual Status NewRandomAccessFile(const std::string& path, std::unique_ptr<RandomAccessFile>* out) = 0;
  // Makes `path` `size` zero bytes with every block allocated and durable
  // (data and size), replacing any file there. Writing over such a file
  // changes no metadata, so its fdatasync writes data pages and flushes,
  // and skips the inode write that growing a file costs each time. The
  // default (Envs that wrap files) is FailedPrecondition: not supported.
  virtual Status PreallocateFile(const std::string& path, uint64_t size) {
    return Status::FailedPrecondition("preallocation not supported for " + path);
  }
  // Renames `from` (made by PreallocateFile) to `to` and opens it for
  // writing from offset 0 without truncating it: Append overwrites the zeros.
  // The caller makes the rename durable (SyncDir). Default: not supported.
  virtual Status ReuseWritableFile(const std::string& from, const std::string& to,
                                   std::unique_ptr<WritableFile>* out) {
    return Status::FailedPrecondition("file reuse not supported for " + from + " -> " + to);
  }
  virtual Status ReadFileToString(const std::string& path, std::string* out) = 0;
  // The whole file as one view. The POSIX Env maps it (mmap: no copy
  // through read(); a media error while reading the view is a SIGBUS, not a
  // Status). This default, for Envs that wrap files, reads it whole into
  // memory through NewRandomAccessFile.
  virtual Status NewMappedFile(const std::string& path, std::unique_ptr<MappedFile>* out);
  // Writes a whole file atomically (temp file, sync, rename, sync dir) with mode.
  virtual Status WriteFileAtomically(const std::string& path, std::string_view data, int mode) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  // File names (not paths) in dir, sorted.
  virtual Status GetChildren(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual Status GetFileSize(const std::string& path, uint64_t* size) = 0;
  // st_mode permission bits of path.
  virtual Status GetFileMode(const std::string& path, int* mode) = 0;
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status CreateDirIfMissing(const std::string& dir) = 0;
  // fsync of the directory itself, so created and renamed entries persist.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Exclusive advisory lock (flock) on path; fails if another process holds it.
  virtual Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) = 0;

  // Wall clock, microseconds since the Unix epoch.
  virtual int64_t NowMicros() = 0;
  // Monotonic clock, microseconds from an arbitrary origin.
  virtual int64_t MonotonicMicros() = 0;
};

// The real file system and clocks.
std::unique_ptr<Env> NewPosixEnv();

}  // namespace nsw

#endif  // NSW_SERVER_JOURNAL_ENV_H_
