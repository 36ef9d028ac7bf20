// Tests of the nsw-client command line (client/cli.h), run in-process
// against FakeNsw on a loopback port: readable and --json output, what each
// subcommand sends, exit codes 0/1/2 with one-line errors naming the flag,
// and key files (admin calls need the admin key).
#include "client/cli.h"

#include <boost/asio/io_context.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "client/fake_nsw.h"
#include "client/signing.h"
#include "proto/units.h"

namespace nsw::client {
namespace {

using nsw::testing::FakeNsw;
using nsw::testing::LoopbackRequest;
using nsw::testing::LoopbackResponse;
using nsw::testing::ProtoReply;

auth::Key CliMaster() {
  auth::Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x11 * (i % 15));
  return key;
}

std::string ReadAll(std::FILE* f) {
  std::string text;
  std::rewind(f);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  return text;
}

int64_t At(const char* rfc3339) {
  int64_t us = 0;
  EXPECT_TRUE(ParseInstant(rfc3339, &us).ok());
  return us;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = std::make_unique<FakeNsw>(server_io_, auth::Verifier::FromMaster(CliMaster()));
    char tmpl[] = "/tmp/nsw_cli_testXXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    master_file_ = dir_ + "/master.key";
    root_file_ = dir_ + "/enterprise-root.key";
    ASSERT_TRUE(auth::WriteKeyFile(master_file_, auth::KeyKind::kMaster, CliMaster()).ok());
    ASSERT_TRUE(auth::WriteKeyFile(root_file_, auth::KeyKind::kEnterpriseRoot,
                                   auth::DeriveEnterpriseRoot(CliMaster()))
                    .ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs the CLI with the server on its own thread; the server's records are
  // read only after that thread has stopped.
  int Run(std::vector<std::string> args, bool with_target = true) {
    std::vector<std::string> all = {"nsw-client"};
    if (with_target) {
      all.push_back("--target");
      all.push_back(fake_->server_.url());
    }
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    std::thread server([this] { server_io_.run(); });
    int rc = RunClientCli(static_cast<int>(all.size()), argv.data(), out, err);
    server_io_.stop();
    server.join();
    server_io_.restart();
    out_ = ReadAll(out);
    err_ = ReadAll(err);
    std::fclose(out);
    std::fclose(err);
    return rc;
  }

  static Dossier SampleDossier() {
    Dossier d;
    d.set_id(7);
    d.set_enterprise("0101234567");
    d.set_procedure("MOIT.CO-FORM-D");
    d.set_ministry("MOIT");
    d.set_client_ref("demo-1");
    d.set_state(APPROVED);
    d.set_submitted_at_us(At("2020-01-02T01:00:00Z"));
    d.set_decided_at_us(At("2020-01-02T03:30:00Z"));
    d.set_deadline_us(At("2020-01-02T07:00:00Z"));
    const std::pair<DossierState, const char*> steps[] = {
        {SUBMITTED, "2020-01-02T01:00:00Z"}, {RECEIVED, "2020-01-02T01:00:00Z"}, {QUEUED, "2020-01-02T01:00:00Z"},
        {IN_REVIEW, "2020-01-02T02:00:00Z"}, {APPROVED, "2020-01-02T03:30:00Z"}};
    for (const auto& [state, at] : steps) {
      Transition* t = d.add_timeline();
      t->set_state(state);
      t->set_at_us(At(at));
    }
    return d;
  }

  boost::asio::io_context server_io_;
  std::unique_ptr<FakeNsw> fake_;
  std::string dir_, master_file_, root_file_;
  std::string out_, err_;
};

TEST_F(CliTest, StatusPrintsTheTimeline) {
  fake_->route_ = [](const LoopbackRequest&) { return ProtoReply(200, SampleDossier()); };
  ASSERT_EQ(Run({"--auth-key-file", root_file_, "status", "--enterprise", "0101234567", "7"}), 0) << err_;
  EXPECT_EQ(fake_->server_.requests().back().target, "/v1/dossiers/7");
  EXPECT_TRUE(fake_->seen_.back().verdict.ok()) << fake_->seen_.back().verdict.message;
  EXPECT_NE(out_.find("dossier 7  APPROVED"), std::string::npos) << out_;
  EXPECT_NE(out_.find("MOIT.CO-FORM-D (MOIT)"), std::string::npos) << out_;
  char line[128];
  std::snprintf(line, sizeof line, "    %-27s %s\n", FormatInstant(At("2020-01-02T02:00:00Z")).c_str(), "IN_REVIEW");
  EXPECT_NE(out_.find(line), std::string::npos) << out_;
  EXPECT_NE(out_.find("2020-01-02T02:00:00"), std::string::npos) << out_;
  EXPECT_TRUE(err_.empty()) << err_;
}

TEST_F(CliTest, JsonPrintsTheProtobufJsonMapping) {
  fake_->route_ = [](const LoopbackRequest&) { return ProtoReply(200, SampleDossier()); };
  // Global flags may come after the subcommand too.
  ASSERT_EQ(Run({"--auth-key-file", master_file_, "find", "--enterprise", "0101234567", "--client-ref", "demo 1",
                 "--json"}),
            0)
      << err_;
  EXPECT_EQ(fake_->server_.requests().back().target, "/v1/dossiers?client_ref=demo%201");
  Dossier parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(out_, &parsed).ok()) << out_;
  EXPECT_EQ(parsed.SerializeAsString(), SampleDossier().SerializeAsString());
  EXPECT_NE(out_.find("\"timeline\""), std::string::npos);
}

TEST_F(CliTest, SubmitSendsTheRequest) {
  fake_->route_ = [](const LoopbackRequest& req) {
    SubmitRequest in;
    EXPECT_TRUE(in.ParseFromString(req.body));
    EXPECT_EQ(in.procedure(), "MOH.FOOD-SAFETY");
    EXPECT_EQ(in.client_ref(), "ref-9");
    EXPECT_EQ(in.payload().size(), 1024u);
    EXPECT_EQ(in.submitted_at_us(), At("2021-03-04T05:06:07Z"));
    SubmitReply out;
    out.set_dossier_id(41);
    out.set_state(SUBMITTED);
    out.set_accepted_at_us(in.submitted_at_us());
    return ProtoReply(202, out);
  };
  ASSERT_EQ(Run({"--auth-key-file", root_file_, "submit", "--enterprise", "0309876543", "--procedure",
                 "MOH.FOOD-SAFETY", "--client-ref", "ref-9", "--payload-size", "1k", "--at", "2021-03-04T05:06:07Z"}),
            0)
      << err_;
  EXPECT_NE(out_.find("dossier 41 SUBMITTED at 2021-03-04T05:06:07"), std::string::npos) << out_;
  EXPECT_NE(out_.find("new submission"), std::string::npos) << out_;
  EXPECT_EQ(fake_->seen_.back().principal, "0309876543");
}

TEST_F(CliTest, FollowUpsPostToTheirPaths) {
  fake_->route_ = [](const LoopbackRequest&) { return ProtoReply(200, SampleDossier()); };
  for (const auto& [cmd, path] : std::vector<std::pair<std::string, std::string>>{
           {"pay", "/v1/dossiers/7/payment"},
           {"supplement", "/v1/dossiers/7/supplement"},
           {"withdraw", "/v1/dossiers/7/withdraw"}}) {
    ASSERT_EQ(Run({"--auth-key-file", root_file_, cmd, "--enterprise", "0101234567", "7"}), 0) << err_;
    EXPECT_EQ(fake_->server_.requests().back().method, "POST");
    EXPECT_EQ(fake_->server_.requests().back().target, path);
  }
}

TEST_F(CliTest, ServerErrorsExitOneWithCodeAndMessage) {
  fake_->route_ = [](const LoopbackRequest&) {
    Error e;
    e.set_code("illegal_transition");
    e.set_message("dossier 7 is APPROVED");
    e.set_request_id("req-55");
    return ProtoReply(409, e);
  };
  EXPECT_EQ(Run({"--auth-key-file", root_file_, "withdraw", "--enterprise", "0101234567", "7"}), 1);
  EXPECT_EQ(err_, "nsw-client: HTTP 409 illegal_transition: dossier 7 is APPROVED (request id req-55)\n");
  EXPECT_TRUE(out_.empty());
  // Unsigned against a signing server: the server's 401 is shown as is.
  EXPECT_EQ(Run({"status", "--enterprise", "0101234567", "7"}), 1);
  EXPECT_NE(err_.find("HTTP 401 missing_signature"), std::string::npos) << err_;
}

TEST_F(CliTest, StatsTableAndCatalog) {
  fake_->route_ = [](const LoopbackRequest& req) {
    if (req.target == "/v1/catalog") {
      nsw::CatalogProto c;
      c.set_name("default");
      Ministry* m = c.add_ministries();
      m->set_code("MOH");
      m->set_officers(4);
      m->mutable_calendar()->set_kind(Calendar::OFFICE_HOURS);
      Procedure* p = c.add_procedures();
      p->set_code("MOH.FOOD-SAFETY");
      p->set_fee_vnd(1500000);
      p->mutable_deadline()->set_working_days(3);
      return ProtoReply(200, c);
    }
    Stats s;
    s.set_clock("wall");
    s.set_dossiers(12);
    GroupStats* g = s.add_ministries();
    g->set_code("MOH");
    g->set_arrivals(12);
    g->set_officers(4);
    g->set_busy_officers(3);
    g->mutable_wait()->set_mean_seconds(90);
    s.mutable_total()->set_arrivals(12);
    return ProtoReply(200, s);
  };
  ASSERT_EQ(Run({"--auth-key-file", master_file_, "stats"}), 0) << err_;
  EXPECT_EQ(fake_->seen_.back().principal, "admin");
  EXPECT_NE(out_.find("arrivals"), std::string::npos) << out_;
  EXPECT_NE(out_.find("MOH"), std::string::npos) << out_;
  EXPECT_NE(out_.find("3/4"), std::string::npos) << out_;
  EXPECT_NE(out_.find("1.5m"), std::string::npos) << out_;  // 90 s mean wait
  EXPECT_NE(out_.find("TOTAL"), std::string::npos) << out_;

  ASSERT_EQ(Run({"--auth-key-file", root_file_, "catalog", "--enterprise", "0101234567"}), 0) << err_;
  EXPECT_NE(out_.find("MOH.FOOD-SAFETY"), std::string::npos) << out_;
  EXPECT_NE(out_.find("1,500,000 VND"), std::string::npos) << out_;
  EXPECT_NE(out_.find("3 working days"), std::string::npos) << out_;
  // An enterprise-root key cannot sign as admin, so --enterprise is needed.
  EXPECT_EQ(Run({"--auth-key-file", root_file_, "catalog"}), 2);
  EXPECT_NE(err_.find("--enterprise"), std::string::npos) << err_;
}

TEST_F(CliTest, AdminClockNeedsTheAdminKey) {
  fake_->route_ = [](const LoopbackRequest& req) {
    ClockRequest in;
    EXPECT_TRUE(in.ParseFromString(req.body));
    ClockReply out;
    out.set_clock("trace");
    out.set_sim_time_us(in.by_us());
    out.set_speed(in.speed());
    out.set_paused(in.action() == ClockRequest::PAUSE);
    return ProtoReply(200, out);
  };
  ASSERT_EQ(Run({"--auth-key-file", master_file_, "admin", "clock", "advance", "--by", "1h"}), 0) << err_;
  EXPECT_EQ(fake_->seen_.back().principal, "admin");
  ClockRequest sent;
  ASSERT_TRUE(sent.ParseFromString(fake_->server_.requests().back().body));
  EXPECT_EQ(sent.action(), ClockRequest::ADVANCE);
  EXPECT_EQ(sent.by_us(), 3600LL * 1000000);
  EXPECT_NE(out_.find("clock trace"), std::string::npos) << out_;

  ASSERT_EQ(Run({"--auth-key-file", master_file_, "admin", "clock", "advance", "--to", "2020-02-01T00:00:00Z"}), 0)
      << err_;
  ASSERT_TRUE(sent.ParseFromString(fake_->server_.requests().back().body));
  EXPECT_EQ(sent.to_us(), At("2020-02-01T00:00:00Z"));
  ASSERT_EQ(Run({"--auth-key-file", master_file_, "admin", "clock", "speed", "60"}), 0) << err_;
  ASSERT_TRUE(sent.ParseFromString(fake_->server_.requests().back().body));
  EXPECT_EQ(sent.action(), ClockRequest::SPEED);
  EXPECT_EQ(sent.speed(), 60);
  ASSERT_EQ(Run({"--auth-key-file", master_file_, "admin", "clock", "pause"}), 0) << err_;
  EXPECT_NE(out_.find("paused"), std::string::npos) << out_;
  ASSERT_EQ(Run({"--auth-key-file", master_file_, "admin", "clock", "resume"}), 0) << err_;

  size_t sent_before = fake_->server_.requests().size();
  EXPECT_EQ(Run({"--auth-key-file", root_file_, "admin", "clock", "pause"}), 1);
  EXPECT_NE(err_.find("admin"), std::string::npos) << err_;
  EXPECT_EQ(fake_->server_.requests().size(), sent_before);
}

TEST_F(CliTest, UsageErrorsExitTwoWithOneLineNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "subcommand"},
      {{"--bogus", "stats"}, "--bogus"},
      {{"status", "--enterprise", "12345", "7"}, "--enterprise"},
      {{"status", "7"}, "--enterprise"},
      {{"status", "--enterprise", "0101234567"}, "id"},
      {{"status", "--enterprise", "0101234567", "seven"}, "id"},
      {{"--timeout", "5", "stats"}, "--timeout"},
      {{"--target", "ftp://x", "stats"}, "--target"},
      {{"--encoding", "xml", "stats"}, "--encoding"},
      {{"submit", "--enterprise", "0101234567", "--procedure", "P"}, "--client-ref"},
      {{"submit", "--enterprise", "0101234567", "--procedure", "P", "--client-ref", std::string(65, 'r')},
       "--client-ref"},
      {{"submit", "--enterprise", "0101234567", "--procedure", "P", "--client-ref", "r", "--at", "yesterday"}, "--at"},
      {{"submit", "--enterprise", "0101234567", "--procedure", "P", "--client-ref", "r", "--payload-size", "1q"},
       "--payload-size"},
      {{"admin", "clock", "advance"}, "--to"},
      {{"admin", "clock", "advance", "--by", "soon"}, "--by"},
      {{"admin", "clock", "speed", "0"}, "speed"},
      {{"admin", "clock"}, "subcommand"},
  };
  for (const auto& [args, needle] : cases) {
    std::vector<std::string> with_target = {"--target", "http://127.0.0.1:9"};
    bool has_target = std::find(args.begin(), args.end(), "--target") != args.end();
    int rc = Run(args, !has_target);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(rc, 2) << joined << "-> " << err_;
    EXPECT_NE(err_.find(needle), std::string::npos) << joined << "-> " << err_;
    EXPECT_EQ(std::count(err_.begin(), err_.end(), '\n'), 1) << joined << "-> " << err_;
  }
  EXPECT_TRUE(fake_->server_.requests().empty());
}

TEST_F(CliTest, HelpVersionAndRuntimeFailures) {
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_NE(out_.find("Usage"), std::string::npos);
  EXPECT_NE(out_.find("submit"), std::string::npos);
  EXPECT_EQ(Run({"--version"}), 0);
  EXPECT_EQ(out_.rfind("nsw-client ", 0), 0u) << out_;
  // A key file others can read is a runtime failure naming it.
  ASSERT_EQ(chmod(root_file_.c_str(), 0644), 0);
  EXPECT_EQ(Run({"--auth-key-file", root_file_, "stats", "--enterprise", "0101234567"}), 1);
  EXPECT_NE(err_.find(root_file_), std::string::npos) << err_;
  EXPECT_NE(err_.find("0644"), std::string::npos) << err_;
  // Nothing listening.
  EXPECT_EQ(Run({"--target", "http://127.0.0.1:1", "stats"}, false), 1);
  EXPECT_NE(err_.find("connect"), std::string::npos) << err_;
}

}  // namespace
}  // namespace nsw::client
