// The access log: one line per request with every documented field,
// appended (never truncated), on disk after Flush.
#include "server/http/access_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/http/http_test_util.h"

namespace nsw::http::testing {
namespace {

CompletedRequest Sample() {
  CompletedRequest r;
  r.started_unix_micros = 1'700'000'000'250'000;
  r.duration_micros = 1234;
  r.request_id = "abc-7";
  r.peer = "127.0.0.1:5555";
  r.method = "POST";
  r.target = "/v1/dossiers";
  r.route = Route::kSubmit;
  r.status = 202;
  r.response_bytes = 187;
  return r;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AccessLogTest, LineHasTimeIdPeerMethodTargetStatusBytesDuration) {
  EXPECT_EQ(AccessLog::FormatLine(Sample()),
            "2023-11-14T22:13:20.250000Z abc-7 127.0.0.1:5555 POST /v1/dossiers 202 187 1.234ms");
}

TEST(AccessLogTest, LinesAreAppendedToTheFile) {
  TempDir dir;
  std::string path = dir.path() + "/access.log";
  {
    std::ofstream(path) << "earlier line\n";
  }
  std::unique_ptr<AccessLog> log;
  ASSERT_TRUE(AccessLog::Open(path, &log).ok());
  log->OnRequest(Sample());
  CompletedRequest braces = Sample();
  braces.target = "/v1/dossiers?client_ref={}";  // not a format string
  log->OnRequest(braces);
  log->Flush();
  std::string text = ReadAll(path);
  EXPECT_EQ(text.rfind("earlier line\n", 0), 0u);
  EXPECT_NE(text.find("abc-7 127.0.0.1:5555 POST /v1/dossiers 202"), std::string::npos) << text;
  EXPECT_NE(text.find("client_ref={} 202"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
}

TEST(AccessLogTest, AnUnwritableFileIsAnError) {
  TempDir dir;
  std::string file = dir.path() + "/plain-file";
  std::ofstream(file) << "x";
  std::unique_ptr<AccessLog> log;
  Status s = AccessLog::Open(file + "/access.log", &log);  // a file cannot hold a directory
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--access-log"), std::string::npos);
}

}  // namespace
}  // namespace nsw::http::testing
