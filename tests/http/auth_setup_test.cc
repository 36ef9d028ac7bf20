// Key setup: first start creates three 0600 key files, a restart reads them
// back, a readable master key is refused, --auth-key-file is used as given,
// and --auth none touches nothing.
#include "server/http/auth_setup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/http/http_test_util.h"

namespace nsw::http::testing {
namespace {

int ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

auth::Key SignAndCheck(const AuthSetup& setup, const auth::Signer& signer_in, const std::string& principal) {
  auth::Signer signer = signer_in;
  auth::RequestParts parts;
  parts.method = "GET";
  parts.target = "/v1/stats";
  parts.host = "h";
  std::string_view name;
  std::string value;
  EXPECT_TRUE(signer.Sign(principal, 1000, parts, &name, &value).ok());
  auth::PendingAuth pending;
  EXPECT_TRUE(setup.verifier->CheckHeaders(value, "", 1000, &pending).ok());
  EXPECT_TRUE(setup.verifier->CheckSignature(pending, parts).ok()) << principal;
  return pending.key;
}

TEST(AuthSetupTest, FirstStartCreatesPrivateKeyFilesAndARestartReadsThem) {
  TempDir dir;
  auto env = NewPosixEnv();
  AuthOptions options;
  options.key_dir = dir.path() + "/data";  // created on demand
  AuthSetup first;
  Status s = SetUpAuth(options, env.get(), &first);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(first.created);
  for (const std::string& path : {first.master_key_path, first.enterprise_root_path, first.admin_path}) {
    EXPECT_EQ(ModeOf(path), 0600) << path;
  }
  auth::Signer enterprise, admin;
  ASSERT_TRUE(auth::Signer::FromKeyFile(first.enterprise_root_path, &enterprise).ok());
  ASSERT_TRUE(auth::Signer::FromKeyFile(first.admin_path, &admin).ok());
  SignAndCheck(first, enterprise, kAcme);
  SignAndCheck(first, admin, "admin");

  AuthSetup second;
  ASSERT_TRUE(SetUpAuth(options, env.get(), &second).ok());
  EXPECT_FALSE(second.created);
  SignAndCheck(second, enterprise, kAcme);  // same master key
}

TEST(AuthSetupTest, AMasterKeyOthersCanReadIsRefused) {
  TempDir dir;
  auto env = NewPosixEnv();
  AuthOptions options;
  options.key_dir = dir.path();
  AuthSetup setup;
  ASSERT_TRUE(SetUpAuth(options, env.get(), &setup).ok());
  ASSERT_EQ(::chmod(setup.master_key_path.c_str(), 0644), 0);
  Status s = SetUpAuth(options, env.get(), &setup);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("0644"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("master.key"), std::string::npos) << s.message();
}

TEST(AuthSetupTest, AGivenMasterKeyFileIsUsedAndNothingIsWritten) {
  TempDir dir;
  auto env = NewPosixEnv();
  std::string key_file = dir.path() + "/my.key";
  ASSERT_TRUE(auth::WriteKeyFile(key_file, auth::KeyKind::kMaster, TestMasterKey()).ok());
  AuthOptions options;
  options.key_dir = dir.path() + "/data";
  options.master_key_file = key_file;
  AuthSetup setup;
  Status s = SetUpAuth(options, env.get(), &setup);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(setup.master_key_path, key_file);
  EXPECT_FALSE(std::filesystem::exists(options.key_dir));
  SignAndCheck(setup, auth::Signer::FromMaster(TestMasterKey()), kAcme);

  // An enterprise-root key is not a master key.
  std::string root_file = dir.path() + "/root.key";
  ASSERT_TRUE(auth::WriteKeyFile(root_file, auth::KeyKind::kEnterpriseRoot, TestMasterKey()).ok());
  options.master_key_file = root_file;
  EXPECT_FALSE(SetUpAuth(options, env.get(), &setup).ok());
  options.master_key_file = dir.path() + "/missing.key";
  EXPECT_FALSE(SetUpAuth(options, env.get(), &setup).ok());
}

TEST(AuthSetupTest, AuthNoneReadsAndWritesNoKeys) {
  TempDir dir;
  auto env = NewPosixEnv();
  AuthOptions options;
  options.mode = AuthMode::kNone;
  options.key_dir = dir.path() + "/data";
  AuthSetup setup;
  ASSERT_TRUE(SetUpAuth(options, env.get(), &setup).ok());
  EXPECT_FALSE(setup.verifier->authenticates());
  EXPECT_FALSE(std::filesystem::exists(options.key_dir));
}

}  // namespace
}  // namespace nsw::http::testing
