// PosixEnv: the real Env over POSIX system calls. Every descriptor is opened
// with O_CLOEXEC (the server never leaks journal files into children); writes
// loop over EINTR and short writes; Sync is fdatasync (the journal only needs
// its data and the file size durable); directory entries are made durable by
// fsync of the directory; the data-directory lock is flock(LOCK_EX|LOCK_NB),
// released when the descriptor closes; NewMappedFile is a read-only private
// mmap; PreallocateFile writes zeros (fallocate's unwritten extents would
// still change metadata on the first write into them) and a reused file is
// written with pwrite from offset 0. Errors carry the path and strerror.
// Thread-safe: the Env holds no state; each file object is used by one thread
// at a time except PosixRandomAccessFile, whose pread is safe concurrently.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "server/journal/env.h"

namespace nsw {
namespace {

Status PosixError(const std::string& what, const std::string& path, int err) {
  return Status::IoError(what + " " + path + ": " + std::strerror(err));
}

// Writes all of `data` at the descriptor's position, or with pwrite at
// `offset` when one is given.
Status WriteAll(int fd, const std::string& path, std::string_view data, int64_t offset = -1) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = offset < 0 ? ::write(fd, p, left) : ::pwrite(fd, p, left, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return PosixError("write", path, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
    if (offset >= 0) offset += n;
  }
  return Status::OK();
}

// Writes with write() at the descriptor's position, or, for a reused
// (preallocated) file, with pwrite() at its own offset from 0, so that
// TrimToWritten knows where the written part ends.
class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), positioned_(true), size_(size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::FailedPrecondition("append to closed file " + path_);
    if (!positioned_) return WriteAll(fd_, path_, data);
    Status s = WriteAll(fd_, path_, data, static_cast<int64_t>(offset_));
    if (!s.ok()) return s;
    offset_ += data.size();
    size_ = std::max(size_, offset_);
    return Status::OK();
  }

  Status TrimToWritten() override {
    if (fd_ < 0) return Status::FailedPrecondition("truncate of closed file " + path_);
    if (!positioned_ || size_ <= offset_) return Status::OK();
    if (::ftruncate(fd_, static_cast<off_t>(offset_)) != 0) return PosixError("ftruncate", path_, errno);
    size_ = offset_;
    return Status::OK();
  }

  Status Sync() override {
    if (fd_ < 0) return Status::FailedPrecondition("sync of closed file " + path_);
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return PosixError("fdatasync", path_, errno);
    }
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    int fd = fd_;
    fd_ = -1;
    // close() is not retried on EINTR: on Linux the descriptor is gone anyway.
    if (::close(fd) != 0 && errno != EINTR) return PosixError("close", path_, errno);
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
  bool positioned_ = false;
  uint64_t offset_ = 0;  // positioned: where the next Append writes
  uint64_t size_ = 0;    // positioned: the file's size
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  Status Read(uint64_t offset, size_t n, std::string* out) const override {
    out->resize(n);
    size_t got = 0;
    Status s = ReadInto(offset, n, out->data(), &got);
    out->resize(got);
    return s;
  }

  Status ReadInto(uint64_t offset, size_t n, char* dst, size_t* got) const override {
    *got = 0;
    while (*got < n) {
      ssize_t r = ::pread(fd_, dst + *got, n - *got, static_cast<off_t>(offset + *got));
      if (r < 0) {
        if (errno == EINTR) continue;
        *got = 0;
        return PosixError("pread", path_, errno);
      }
      if (r == 0) break;  // end of file
      *got += static_cast<size_t>(r);
    }
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixMappedFile final : public MappedFile {
 public:
  PosixMappedFile(void* base, size_t size) : base_(base), size_(size) {}
  ~PosixMappedFile() override {
    if (size_ > 0) ::munmap(base_, size_);
  }
  std::string_view data() const override { return {static_cast<const char*>(base_), size_}; }

 private:
  void* base_;
  size_t size_;
};

// What the default Env::NewMappedFile returns: the bytes read into memory.
class StringMappedFile final : public MappedFile {
 public:
  explicit StringMappedFile(std::string bytes) : bytes_(std::move(bytes)) {}
  std::string_view data() const override { return bytes_; }

 private:
  std::string bytes_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

int64_t ClockMicros(clockid_t clock) {
  struct timespec ts;
  ::clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class PosixEnv final : public Env {
 public:
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return OpenWritable(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, out);
  }

  Status NewAppendableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return OpenWritable(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, out);
  }

  Status PreallocateFile(const std::string& path, uint64_t size) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return OpenError(path, errno);
    // Written, not fallocate()d: blocks fallocate reserves are "unwritten"
    // extents, and the first write into each still changes metadata.
    // Each megabyte goes to the disk before the next is written, so a
    // journal writer syncing meanwhile waits behind at most one of them, not
    // behind the whole file at the final fdatasync.
    const std::string zeros(std::min<uint64_t>(size, 1u << 20), '\0');
    Status s;
    for (uint64_t done = 0; done < size && s.ok();) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(size - done, zeros.size()));
      s = WriteAll(fd, path, std::string_view(zeros.data(), n));
      if (s.ok()) {
        ::sync_file_range(fd, static_cast<off_t>(done), static_cast<off_t>(n),
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
      }
      done += n;
    }
    while (s.ok() && ::fdatasync(fd) != 0) {
      if (errno != EINTR) s = PosixError("fdatasync", path, errno);
    }
    if (::close(fd) != 0 && s.ok() && errno != EINTR) s = PosixError("close", path, errno);
    return s;
  }

  Status ReuseWritableFile(const std::string& from, const std::string& to,
                           std::unique_ptr<WritableFile>* out) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return PosixError("rename to " + to, from, errno);
    int fd = -1;
    uint64_t size = 0;
    Status s = OpenWithSize(to, O_WRONLY | O_CLOEXEC, &fd, &size);
    if (!s.ok()) return s;
    *out = std::make_unique<PosixWritableFile>(to, fd, size);
    return Status::OK();
  }

  Status NewRandomAccessFile(const std::string& path,
                             std::unique_ptr<RandomAccessFile>* out) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return OpenError(path, errno);
    *out = std::make_unique<PosixRandomAccessFile>(path, fd);
    return Status::OK();
  }

  Status NewMappedFile(const std::string& path, std::unique_ptr<MappedFile>* out) override {
    int fd = -1;
    uint64_t file_size = 0;
    Status s = OpenWithSize(path, O_RDONLY | O_CLOEXEC, &fd, &file_size);
    if (!s.ok()) return s;
    const size_t size = static_cast<size_t>(file_size);
    void* base = nullptr;
    if (size > 0) {  // mmap refuses an empty length
      // MAP_POPULATE maps every page up front (from the page cache, or read
      // in large requests): recovery touches them all, and one call costs far
      // less than a page fault per few pages.
      base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (base == MAP_FAILED) {
        int err = errno;
        ::close(fd);
        return PosixError("mmap", path, err);
      }
    }
    ::close(fd);  // the mapping keeps the file open
    *out = std::make_unique<PosixMappedFile>(base, size);
    return Status::OK();
  }

  Status ReadFileToString(const std::string& path, std::string* out) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return OpenError(path, errno);
    out->clear();
    char buf[64 * 1024];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return PosixError("read", path, err);
      }
      if (n == 0) break;
      out->append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return Status::OK();
  }

  Status WriteFileAtomically(const std::string& path, std::string_view data, int mode) override {
    // The temporary name is fixed per target: a stale one from a crash is
    // simply truncated and reused. O_EXCL is not used for the same reason.
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return OpenError(tmp, errno);
    // The mode argument of open() is filtered by the umask and ignored for an
    // existing file; fchmod makes the result exactly `mode`.
    Status s;
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) s = PosixError("fchmod", tmp, errno);
    if (s.ok()) s = WriteAll(fd, tmp, data);
    if (s.ok()) {
      while (::fsync(fd) != 0) {
        if (errno != EINTR) {
          s = PosixError("fsync", tmp, errno);
          break;
        }
      }
    }
    if (::close(fd) != 0 && s.ok() && errno != EINTR) s = PosixError("close", tmp, errno);
    if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = PosixError("rename to " + path, tmp, errno);
    if (!s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
    return SyncDir(DirName(path));
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return OpenError(dir, errno);
    for (;;) {
      errno = 0;
      struct dirent* e = ::readdir(d);
      if (e == nullptr) {
        int err = errno;
        ::closedir(d);
        if (err != 0) return PosixError("readdir", dir, err);
        break;
      }
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      names->emplace_back(e->d_name);
    }
    std::sort(names->begin(), names->end());
    return Status::OK();
  }

  Status GetFileSize(const std::string& path, uint64_t* size) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return OpenError(path, errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }

  Status GetFileMode(const std::string& path, int* mode) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return OpenError(path, errno);
    *mode = static_cast<int>(st.st_mode & 07777);
    return Status::OK();
  }

  Status TruncateFile(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) return PosixError("truncate", path, errno);
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("unlink", path, errno);
    return Status::OK();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return PosixError("rename to " + to, from, errno);
    return Status::OK();
  }

  Status CreateDirIfMissing(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) == 0) return Status::OK();
    if (errno != EEXIST) return PosixError("mkdir", dir, errno);
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0) return PosixError("stat", dir, errno);
    if (!S_ISDIR(st.st_mode)) return Status::IoError(dir + " exists and is not a directory");
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return OpenError(dir, errno);
    Status s;
    while (::fsync(fd) != 0) {
      if (errno != EINTR) {
        s = PosixError("fsync of directory", dir, errno);
        break;
      }
    }
    ::close(fd);
    return s;
  }

  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return OpenError(path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return Status::Unavailable(path + " is locked by another process");
      }
      return PosixError("flock", path, err);
    }
    *lock = std::make_unique<PosixFileLock>(fd);
    return Status::OK();
  }

  int64_t NowMicros() override { return ClockMicros(CLOCK_REALTIME); }
  int64_t MonotonicMicros() override { return ClockMicros(CLOCK_MONOTONIC); }

 private:
  static Status OpenError(const std::string& path, int err) {
    if (err == ENOENT) return Status::NotFound(path + ": " + std::strerror(err));
    return PosixError("open", path, err);
  }

  // Opens `path` with `flags` and reports its size; the caller owns *fd.
  static Status OpenWithSize(const std::string& path, int flags, int* fd, uint64_t* size) {
    *fd = ::open(path.c_str(), flags);
    if (*fd < 0) return OpenError(path, errno);
    struct stat st;
    if (::fstat(*fd, &st) != 0) {
      int err = errno;
      ::close(*fd);
      *fd = -1;
      return PosixError("fstat", path, err);
    }
    *size = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }

  static Status OpenWritable(const std::string& path, int flags, std::unique_ptr<WritableFile>* out) {
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return OpenError(path, errno);
    *out = std::make_unique<PosixWritableFile>(path, fd);
    return Status::OK();
  }
};

}  // namespace

Status Env::NewMappedFile(const std::string& path, std::unique_ptr<MappedFile>* out) {
  uint64_t size = 0;
  Status s = GetFileSize(path, &size);
  std::unique_ptr<RandomAccessFile> file;
  if (s.ok()) s = NewRandomAccessFile(path, &file);
  std::string bytes;
  if (s.ok()) s = file->Read(0, static_cast<size_t>(size), &bytes);
  if (!s.ok()) return s;
  *out = std::make_unique<StringMappedFile>(std::move(bytes));
  return Status::OK();
}

std::unique_ptr<Env> NewPosixEnv() { return std::make_unique<PosixEnv>(); }

}  // namespace nsw
