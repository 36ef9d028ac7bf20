// PosixEnv: files, mapped files (and Env's default for them), atomic writes with a mode, the directory lock, listing,
// truncation and the clocks, against a temporary directory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "server/journal/env.h"
#include "server/journal_test_util.h"
#include "tests/server/test_env.h"

namespace nsw {
namespace {

using journal_test::ReadWholeFile;
using journal_test::TempDir;

TEST(PosixEnv, WritableAppendableAndRandomAccess) {
  TempDir dir;
  auto env = NewPosixEnv();
  std::string path = dir.Sub("f");
  std::unique_ptr<WritableFile> w;
  ASSERT_TRUE(env->NewWritableFile(path, &w).ok());
  ASSERT_TRUE(w->Append("hello ").ok());
  ASSERT_TRUE(w->Sync().ok());
  ASSERT_TRUE(w->Close().ok());
  ASSERT_TRUE(env->NewAppendableFile(path, &w).ok());
  ASSERT_TRUE(w->Append("world").ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(ReadWholeFile(path), "hello world");

  std::unique_ptr<RandomAccessFile> r;
  ASSERT_TRUE(env->NewRandomAccessFile(path, &r).ok());
  std::string out;
  ASSERT_TRUE(r->Read(6, 3, &out).ok());
  EXPECT_EQ(out, "wor");
  ASSERT_TRUE(r->Read(6, 100, &out).ok());
  EXPECT_EQ(out, "world");
  ASSERT_TRUE(r->Read(100, 5, &out).ok());
  EXPECT_EQ(out, "");

  uint64_t size = 0;
  ASSERT_TRUE(env->GetFileSize(path, &size).ok());
  EXPECT_EQ(size, 11u);
  ASSERT_TRUE(env->TruncateFile(path, 5).ok());
  ASSERT_TRUE(env->ReadFileToString(path, &out).ok());
  EXPECT_EQ(out, "hello");

  // NewWritableFile truncates.
  ASSERT_TRUE(env->NewWritableFile(path, &w).ok());
  ASSERT_TRUE(w->Close().ok());
  ASSERT_TRUE(env->GetFileSize(path, &size).ok());
  EXPECT_EQ(size, 0u);
}

TEST(PosixEnv, MappedFileViewsTheWholeFile) {
  TempDir dir;
  auto env = NewPosixEnv();
  std::string bytes(100000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 31 % 251);
  std::unique_ptr<WritableFile> w;
  ASSERT_TRUE(env->NewWritableFile(dir.Sub("f"), &w).ok());
  ASSERT_TRUE(w->Append(bytes).ok());
  ASSERT_TRUE(w->Close().ok());
  std::unique_ptr<MappedFile> m;
  ASSERT_TRUE(env->NewMappedFile(dir.Sub("f"), &m).ok());
  EXPECT_EQ(m->data(), bytes);
  // Truncating the file behind a view is what recovery's cut does; the view
  // keeps its size (the cut bytes are no longer read).
  ASSERT_TRUE(env->TruncateFile(dir.Sub("f"), 10).ok());
  EXPECT_EQ(m->data().size(), bytes.size());
  EXPECT_EQ(m->data().substr(0, 10), bytes.substr(0, 10));
  m.reset();

  ASSERT_TRUE(env->NewWritableFile(dir.Sub("empty"), &w).ok());
  ASSERT_TRUE(w->Close().ok());
  ASSERT_TRUE(env->NewMappedFile(dir.Sub("empty"), &m).ok());
  EXPECT_TRUE(m->data().empty());
  EXPECT_TRUE(env->NewMappedFile(dir.Sub("missing"), &m).IsNotFound());
}

// An Env that wraps the POSIX one without overriding NewMappedFile, as the
// test Envs do (TestEnv is one): it gets Env's default, which reads the file
// into memory through NewRandomAccessFile.
class WrappingEnv : public testing::TestEnv {
 public:
  Status NewRandomAccessFile(const std::string& p, std::unique_ptr<RandomAccessFile>* o) override {
    ++random_access_opens;
    return TestEnv::NewRandomAccessFile(p, o);
  }
  int random_access_opens = 0;
};

TEST(PosixEnv, DefaultMappedFileReadsThroughRandomAccess) {
  TempDir dir;
  WrappingEnv env;
  std::unique_ptr<WritableFile> w;
  ASSERT_TRUE(env.NewWritableFile(dir.Sub("f"), &w).ok());
  ASSERT_TRUE(w->Append("journal bytes").ok());
  ASSERT_TRUE(w->Close().ok());
  std::unique_ptr<MappedFile> m;
  ASSERT_TRUE(env.NewMappedFile(dir.Sub("f"), &m).ok());
  EXPECT_EQ(m->data(), "journal bytes");
  EXPECT_EQ(env.random_access_opens, 1);
  EXPECT_TRUE(env.NewMappedFile(dir.Sub("missing"), &m).IsNotFound());
}

TEST(PosixEnv, MissingFilesAreNotFound) {
  TempDir dir;
  auto env = NewPosixEnv();
  std::unique_ptr<RandomAccessFile> r;
  EXPECT_TRUE(env->NewRandomAccessFile(dir.Sub("absent"), &r).IsNotFound());
  std::string out;
  EXPECT_TRUE(env->ReadFileToString(dir.Sub("absent"), &out).IsNotFound());
  EXPECT_FALSE(env->FileExists(dir.Sub("absent")));
  EXPECT_FALSE(env->RemoveFile(dir.Sub("absent")).ok());
}

TEST(PosixEnv, WriteFileAtomicallySetsExactModeAndLeavesNoTemp) {
  TempDir dir;
  auto env = NewPosixEnv();
  std::string path = dir.Sub("master.key");
  ::umask(022);
  ASSERT_TRUE(env->WriteFileAtomically(path, "secret-1", 0600).ok());
  int mode = 0;
  ASSERT_TRUE(env->GetFileMode(path, &mode).ok());
  EXPECT_EQ(mode, 0600);
  ASSERT_TRUE(env->WriteFileAtomically(path, "secret-2", 0640).ok());
  ASSERT_TRUE(env->GetFileMode(path, &mode).ok());
  EXPECT_EQ(mode, 0640);
  EXPECT_EQ(ReadWholeFile(path), "secret-2");
  std::vector<std::string> names;
  ASSERT_TRUE(env->GetChildren(dir.path(), &names).ok());
  EXPECT_EQ(names, std::vector<std::string>{"master.key"});
}

TEST(PosixEnv, GetChildrenSortedRenameAndDirs) {
  TempDir dir;
  auto env = NewPosixEnv();
  for (const char* n : {"c", "a", "b"}) ASSERT_TRUE(env->WriteFileAtomically(dir.Sub(n), n, 0644).ok());
  ASSERT_TRUE(env->RenameFile(dir.Sub("c"), dir.Sub("d")).ok());
  std::vector<std::string> names;
  ASSERT_TRUE(env->GetChildren(dir.path(), &names).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "d"}));
  ASSERT_TRUE(env->CreateDirIfMissing(dir.Sub("sub")).ok());
  ASSERT_TRUE(env->CreateDirIfMissing(dir.Sub("sub")).ok());
  EXPECT_FALSE(env->CreateDirIfMissing(dir.Sub("a")).ok());
  EXPECT_TRUE(env->SyncDir(dir.Sub("sub")).ok());
  EXPECT_FALSE(env->SyncDir(dir.Sub("nope")).ok());
}

TEST(PosixEnv, LockIsExclusiveUntilReleased) {
  TempDir dir;
  auto env = NewPosixEnv();
  std::unique_ptr<FileLock> first, second;
  ASSERT_TRUE(env->LockFile(dir.Sub("LOCK"), &first).ok());
  Status s = env->LockFile(dir.Sub("LOCK"), &second);
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_NE(s.message().find("LOCK"), std::string::npos);
  first.reset();
  EXPECT_TRUE(env->LockFile(dir.Sub("LOCK"), &second).ok());
}

TEST(PosixEnv, Clocks) {
  auto env = NewPosixEnv();
  EXPECT_GT(env->NowMicros(), 1577836800LL * 1000000);  // after 2020-01-01
  int64_t a = env->MonotonicMicros();
  int64_t b = env->MonotonicMicros();
  EXPECT_LE(a, b);
}

}  // namespace
}  // namespace nsw
