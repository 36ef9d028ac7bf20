// nsw-server as a process: graceful shutdown on SIGTERM and SIGINT (exit 0,
// every acknowledged dossier still there after a restart, even with requests
// in flight at the signal), exit codes of bad flags and bad files, the key
// file rules, the data-directory lock, --auth none, the connection limit,
// the non-loopback warning and HTTPS.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "client/http_connection.h"
#include "client/nsw_api.h"
#include "client/signing.h"
#include "tests/process/server_process.h"

namespace nsw::process_testing {
namespace {

using client::ApiResult;
using client::SyncNswClient;

constexpr const char* kAcme = "0100000001";

std::unique_ptr<SyncNswClient> ClientFor(const ServerProcess& server, const char* key_file = "enterprise-root.key",
                                         client::ConnectionOptions connection = {}) {
  auth::Signer signer;
  if (key_file != nullptr) {
    Status s = auth::Signer::FromKeyFile(server.key_file(key_file), &signer);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  client::Url url;
  EXPECT_TRUE(client::ParseUrl(server.url(), &url).ok());
  return std::make_unique<SyncNswClient>(url, std::move(signer), client::ApiOptions{}, connection);
}

SubmitRequest Submission(const std::string& ref) {
  SubmitRequest r;
  r.set_procedure("MOIT.CO-FORM-D");
  r.set_client_ref(ref);
  r.set_payload("cargo manifest");
  return r;
}

// A procedure of the built-in catalog (its codes are data, not assumptions).
std::string AnyProcedure(SyncNswClient& client) {
  CatalogProto catalog;
  ApiResult r = client.GetCatalog(kAcme, &catalog);
  EXPECT_TRUE(r.ok()) << r.Describe();
  return catalog.procedures_size() > 0 ? catalog.procedures(0).code() : "";
}

TEST(ServerLifecycleTest, SigtermExitsZeroAndARestartStillHasEveryAcknowledgedDossier) {
  ScratchDir scratch;
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--durability", "fsync", "--clock", "wall"}));
  auto client = ClientFor(server);
  std::string procedure = AnyProcedure(*client);
  std::vector<uint64_t> ids;
  for (int i = 0; i < 20; ++i) {
    SubmitRequest request = Submission("keep-" + std::to_string(i));
    request.set_procedure(procedure);
    SubmitReply reply;
    ApiResult r = client->Submit(kAcme, request, &reply);
    ASSERT_TRUE(r.ok()) << r.Describe();
    ids.push_back(reply.dossier_id());
  }
  client.reset();
  EXPECT_EQ(server.Stop(SIGTERM), 0) << server.log();
  EXPECT_NE(server.log().find("SIGTERM: stopping"), std::string::npos) << server.log();
  EXPECT_NE(server.log().find("stopped"), std::string::npos);

  ASSERT_TRUE(server.Start({"--durability", "fsync", "--clock", "wall"}));
  EXPECT_NE(server.log().find("keys in place"), std::string::npos) << server.log();
  client = ClientFor(server);  // the same key files still sign
  for (size_t i = 0; i < ids.size(); ++i) {
    Dossier dossier;
    ApiResult r = client->GetDossier(kAcme, ids[i], &dossier);
    ASSERT_TRUE(r.ok()) << r.Describe();
    EXPECT_EQ(dossier.client_ref(), "keep-" + std::to_string(i));
  }
  client.reset();
  EXPECT_EQ(server.Stop(SIGINT), 0) << server.log();
  EXPECT_NE(server.log().find("SIGINT: stopping"), std::string::npos) << server.log();
}

TEST(ServerLifecycleTest, SigtermWithRequestsInFlightLosesNoAcknowledgedDossier) {
  ScratchDir scratch;
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--durability", "fsync", "--threads", "2"}));
  std::string procedure = AnyProcedure(*ClientFor(server));
  std::mutex mu;
  std::vector<std::pair<std::string, uint64_t>> acknowledged;
  std::atomic<int> sent{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      client::ConnectionOptions connection;
      connection.request_timeout = std::chrono::seconds(10);
      connection.retry_stale = false;
      auto client = ClientFor(server, "enterprise-root.key", connection);
      for (int i = 0; i < 2000; ++i) {
        SubmitRequest request = Submission("flight-" + std::to_string(t) + "-" + std::to_string(i));
        request.set_procedure(procedure);
        SubmitReply reply;
        sent.fetch_add(1);
        ApiResult r = client->Submit(kAcme, request, &reply);
        if (!r.ok()) break;  // the server is going away
        std::lock_guard<std::mutex> lock(mu);
        acknowledged.emplace_back(request.client_ref(), reply.dossier_id());
      }
    });
  }
  while (sent.load() < 100) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(server.Stop(SIGTERM), 0) << server.log();
  for (auto& t : senders) t.join();
  ASSERT_FALSE(acknowledged.empty());

  ASSERT_TRUE(server.Start({"--durability", "fsync", "--threads", "2"}));
  auto client = ClientFor(server);
  for (const auto& [ref, id] : acknowledged) {
    Dossier dossier;
    ApiResult r = client->FindDossier(kAcme, ref, &dossier);
    ASSERT_TRUE(r.ok()) << ref << ": " << r.Describe();
    EXPECT_EQ(dossier.id(), id);
  }
  client.reset();
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerLifecycleTest, UsageErrorsExitTwoWithOneLineNamingTheFlag) {
  ScratchDir scratch;
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--read-timeout", "30"}, {"--max-body", "big"}, {"--clock", "sundial"}, {"--nonsense"}}) {
    std::vector<std::string> argv = {NSW_SERVER_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    ProgramResult r = RunProgram(argv, scratch.path());
    EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.output;
    EXPECT_NE(r.output.find(args[0]), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
  ProgramResult help = RunProgram({NSW_SERVER_BIN, "--help"}, scratch.path());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--max-connections"), std::string::npos);
  ProgramResult version = RunProgram({NSW_SERVER_BIN, "--version"}, scratch.path());
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output.rfind("nsw-server ", 0), 0u) << version.output;
}

TEST(ServerLifecycleTest, ABadCatalogExitsOneWithTheCatalogsError) {
  ScratchDir scratch;
  std::string catalog = scratch.path() + "/bad.textproto";
  std::ofstream(catalog) << "name: \"bad\"\nministries { code: \"MOT\" officers: -3 }\n";
  ProgramResult r = RunProgram({NSW_SERVER_BIN, "--catalog", catalog, "--data-dir", scratch.path() + "/data",
                                "--listen", "127.0.0.1:0"},
                               scratch.path());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("bad.textproto"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("listening on"), std::string::npos) << r.output;
  ProgramResult missing = RunProgram(
      {NSW_SERVER_BIN, "--catalog", scratch.path() + "/none.textproto", "--listen", "127.0.0.1:0"}, scratch.path());
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
}

TEST(ServerLifecycleTest, AMasterKeyOthersCanReadIsRefused) {
  ScratchDir scratch;
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--durability", "none"}));
  EXPECT_EQ(server.Stop(), 0);
  ASSERT_EQ(::chmod(server.key_file("master.key").c_str(), 0640), 0);
  ProgramResult r = RunProgram({NSW_SERVER_BIN, "--data-dir", server.data_dir(), "--listen", "127.0.0.1:0",
                                "--durability", "none"},
                               scratch.path());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("master.key"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("0640"), std::string::npos) << r.output;
}

TEST(ServerLifecycleTest, AGivenMasterKeyFileIsUsed) {
  ScratchDir scratch;
  std::string key_file = scratch.path() + "/master.key";
  auth::Key master{};
  master[5] = 42;
  ASSERT_TRUE(auth::WriteKeyFile(key_file, auth::KeyKind::kMaster, master).ok());
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--durability", "none", "--auth-key-file", key_file}));
  client::Url url;
  ASSERT_TRUE(client::ParseUrl(server.url(), &url).ok());
  SyncNswClient client(url, auth::Signer::FromMaster(master));
  Stats stats;
  ApiResult r = client.GetStats(kAcme, &stats);
  EXPECT_TRUE(r.ok()) << r.Describe();
  EXPECT_FALSE(std::filesystem::exists(server.key_file("master.key")));
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerLifecycleTest, ASecondServerOnTheSameDataDirectoryIsRefused) {
  ScratchDir scratch;
  ServerProcess first(scratch.path() + "/data");
  ASSERT_TRUE(first.Start({"--durability", "fsync"}));
  ProgramResult second = RunProgram(
      {NSW_SERVER_BIN, "--data-dir", first.data_dir(), "--listen", "127.0.0.1:0", "--durability", "fsync"},
      scratch.path());
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_EQ(first.Stop(), 0);
}

TEST(ServerLifecycleTest, AuthNoneTakesTheEnterpriseFromTheCaller) {
  ScratchDir scratch;
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--auth", "none", "--durability", "none"}));
  EXPECT_NE(server.log().find("--auth none"), std::string::npos) << server.log();
  EXPECT_NE(server.log().find("--durability none"), std::string::npos) << server.log();
  auto client = ClientFor(server, nullptr);  // no key: X-NSW-Enterprise
  SubmitRequest request = Submission("open-1");
  request.set_procedure(AnyProcedure(*client));
  SubmitReply reply;
  ApiResult r = client->Submit(kAcme, request, &reply);
  ASSERT_TRUE(r.ok()) << r.Describe();
  Dossier dossier;
  EXPECT_TRUE(client->GetDossier(kAcme, reply.dossier_id(), &dossier).ok());
  EXPECT_EQ(client->GetDossier("0300000003", reply.dossier_id(), &dossier).http_status, 404);
  client.reset();
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerLifecycleTest, PastMaxConnectionsTheServerAnswers503WithRetryAfter) {
  ScratchDir scratch;
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--durability", "none", "--max-connections", "1"}));
  auto holder = ClientFor(server);
  Stats stats;
  ASSERT_TRUE(holder->GetStats(kAcme, &stats).ok());  // holds the only connection (keep-alive)
  client::ConnectionOptions no_retry;
  no_retry.retry_stale = false;
  auto second = ClientFor(server, "enterprise-root.key", no_retry);
  ApiResult r = second->GetStats(kAcme, &stats);
  EXPECT_EQ(r.http_status, 503) << r.Describe();
  EXPECT_EQ(r.error.code(), "too_many_connections");
  EXPECT_FALSE(r.retry_after.empty());
  holder.reset();  // frees the slot
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    served = ClientFor(server)->GetStats(kAcme, &stats).ok();
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served);
  second.reset();
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerLifecycleTest, ListeningBeyondLoopbackWithoutTlsWarns) {
  ScratchDir scratch;
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--listen", "0.0.0.0:0", "--durability", "none"}));
  EXPECT_NE(server.log().find("without TLS"), std::string::npos) << server.log();
  EXPECT_EQ(server.Stop(), 0);  // only the port was used, through 127.0.0.1
}

TEST(ServerLifecycleTest, HttpsWithTlsCertAndKey) {
  ScratchDir scratch;
  std::string cert = scratch.path() + "/cert.pem", key = scratch.path() + "/key.pem";
  ProgramResult gen = RunProgram({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                  "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                  "-subj", "/CN=nswsim test", "-addext", "subjectAltName=IP:127.0.0.1"},
                                 scratch.path());
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--durability", "none", "--tls-cert", cert, "--tls-key", key}));
  EXPECT_NE(server.log().find("(https"), std::string::npos) << server.log();
  auth::Signer signer;
  ASSERT_TRUE(auth::Signer::FromKeyFile(server.key_file("enterprise-root.key"), &signer).ok());
  client::Url url;
  ASSERT_TRUE(client::ParseUrl("https://127.0.0.1:" + std::to_string(server.port()), &url).ok());
  client::ConnectionOptions tls;
  tls.tls_ca_file = cert;  // self-signed: it is its own CA
  SyncNswClient client(url, std::move(signer), client::ApiOptions{}, tls);
  Stats stats;
  for (int i = 0; i < 3; ++i) {
    ApiResult r = client.GetStats(kAcme, &stats);
    ASSERT_TRUE(r.ok()) << r.Describe();
  }
  EXPECT_EQ(client.connection().connects(), 1u);
  EXPECT_EQ(server.Stop(), 0) << server.log();

  ProgramResult bad = RunProgram({NSW_SERVER_BIN, "--data-dir", scratch.path() + "/d2", "--listen", "127.0.0.1:0",
                                  "--tls-cert", scratch.path() + "/missing.pem", "--tls-key", key},
                                 scratch.path());
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("--tls-cert"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace nsw::process_testing
