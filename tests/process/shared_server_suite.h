// SharedServerSuite: the fixture base of process-test suites whose tests all
// talk to one nsw-server. The derived suite's SetUpTestSuite calls
// StartSharedServer with its flags; the server then lives in a scratch
// directory for the whole suite and must exit 0 when TearDownTestSuite stops
// it. Starting one server per suite rather than per test keeps the suites
// fast; tests that need a pristine or crashed server start their own
// ServerProcess instead. The template parameter gives each suite its own
// server (static members are per instantiation). Not thread-safe.
#ifndef NSW_TESTS_PROCESS_SHARED_SERVER_SUITE_H_
#define NSW_TESTS_PROCESS_SHARED_SERVER_SUITE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "client/nsw_api.h"
#include "client/signing.h"
#include "tests/process/server_process.h"

namespace nsw::process_testing {

template <typename Suite>
class SharedServerSuite : public ::testing::Test {
 protected:
  // The suite's scratch directory (created on first use, so that flags can
  // name files in it); the server's data directory is <scratch>/data.
  static const std::string& scratch() {
    if (!scratch_) scratch_ = new ScratchDir();
    return scratch_->path();
  }

  // Starts the suite's server with `flags`, and loads the enterprise-root
  // signer for tests that sign raw requests.
  static void StartSharedServer(const std::vector<std::string>& flags) {
    server_ = new ServerProcess(scratch() + "/data");
    ASSERT_TRUE(server_->Start(flags));
    signer_ = new auth::Signer();
    Status s = auth::Signer::FromKeyFile(server_->key_file("enterprise-root.key"), signer_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  static void TearDownTestSuite() {
    if (server_ && server_->running()) {
      EXPECT_EQ(server_->Stop(), 0) << server_->log();
    }
    delete signer_;
    delete server_;
    delete scratch_;
    signer_ = nullptr;
    server_ = nullptr;
    scratch_ = nullptr;
  }

  // A client of the suite's server signing with `key_file` (a file of the
  // server's key directory).
  static std::unique_ptr<client::SyncNswClient> Client(const char* key_file = "enterprise-root.key",
                                                       client::ApiOptions options = {}) {
    auth::Signer signer;
    Status s = auth::Signer::FromKeyFile(server_->key_file(key_file), &signer);
    EXPECT_TRUE(s.ok()) << s.ToString();
    client::Url url;
    EXPECT_TRUE(client::ParseUrl(server_->url(), &url).ok());
    return std::make_unique<client::SyncNswClient>(url, std::move(signer), options);
  }

  static inline ScratchDir* scratch_ = nullptr;
  static inline ServerProcess* server_ = nullptr;
  static inline auth::Signer* signer_ = nullptr;  // enterprise-root
};

}  // namespace nsw::process_testing

#endif  // NSW_TESTS_PROCESS_SHARED_SERVER_SUITE_H_
