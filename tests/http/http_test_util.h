// Helpers for the transport's tests: a scratch directory, a silent logger,
// and RouterHarness, which runs a real NswService (in-memory journal,
// durability none) behind a real Router with a fixed wall clock and signs
// requests the way the client library does.
#ifndef NSW_TESTS_HTTP_HTTP_TEST_UTIL_H_
#define NSW_TESTS_HTTP_HTTP_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "client/signing.h"
#include "proto/catalog.h"
#include "server/domain/service.h"
#include "server/http/media.h"
#include "server/http/router.h"
#include "server/journal/env.h"

namespace nsw::http::testing {

inline constexpr const char* kAcme = "0100000001";
inline constexpr const char* kOther = "0200000002";
inline constexpr int64_t kNow = 1'700'000'000;  // the router's wall clock, Unix seconds

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nsw-http-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::shared_ptr<spdlog::logger> SilentLogger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

inline auth::Key TestMasterKey() {
  auth::Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  return key;
}

struct HarnessOptions {
  EnterpriseActions enterprise_actions = EnterpriseActions::kSimulated;
  bool authenticate = true;   // false: Verifier::Unauthenticated (--auth none)
  bool start_service = true;  // Start() the service and open the router's gate
};

class RouterHarness {
 public:
  explicit RouterHarness(HarnessOptions options = {})
      : log_(SilentLogger()),
        env_(NewPosixEnv()),
        verifier_(options.authenticate ? auth::Verifier::FromMaster(TestMasterKey())
                                       : auth::Verifier::Unauthenticated()),
        signer_(auth::Signer::FromMaster(TestMasterKey())) {
    Status s = Catalog::Default(&catalog_);
    EXPECT_TRUE(s.ok()) << s.ToString();
    ServiceOptions service_options;
    service_options.journal.dir = dir_.path();
    service_options.journal.durability = Durability::kNone;
    service_options.enterprise_actions = options.enterprise_actions;
    service_ = std::make_unique<NswService>(catalog_, service_options, env_.get(), log_.get());
    if (options.start_service) {
      s = service_->Start();
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    RouterOptions router_options;
    router_options.unix_seconds = [] { return kNow; };
    router_options.retry_after_seconds = 3;
    router_ = std::make_unique<Router>(service_.get(), &verifier_, router_options, log_.get());
    router_->set_service_started(options.start_service);
  }

  ~RouterHarness() {
    router_.reset();
    service_->Stop();
  }

  // A request with Host, Accept and (for a body) Content-Type, signed for
  // `principal` at kNow unless `principal` is empty.
  Request Make(bhttp::verb method, const std::string& target, const std::string& principal = kAcme,
               const std::string& body = "", const std::string& content_type = "",
               const std::string& accept = "application/json", int64_t ts = kNow) {
    Request request{method, target, 11};
    request.set(bhttp::field::host, "127.0.0.1:8080");
    if (!accept.empty()) request.set(bhttp::field::accept, accept);
    if (!content_type.empty()) request.set(bhttp::field::content_type, content_type);
    request.body() = body;
    request.prepare_payload();
    if (!principal.empty()) Sign(&request, principal, ts);
    return request;
  }

  void Sign(Request* request, const std::string& principal, int64_t ts = kNow) {
    auth::RequestParts parts;
    parts.method = request->method_string();
    parts.target = request->target();
    parts.host = (*request)[bhttp::field::host];
    parts.content_type = (*request)[bhttp::field::content_type];
    parts.body = request->body();
    std::string_view name;
    std::string value;
    Status s = signer_.Sign(principal, ts, parts, &name, &value);
    ASSERT_TRUE(s.ok()) << s.ToString();
    request->set(name, value);
  }

  // Router::Handle, waiting (at most 10 s) for the response.
  Response Call(const Request& request) {
    auto promise = std::make_shared<std::promise<Response>>();
    auto future = promise->get_future();
    router_->Handle(
        request, [](std::function<void()> fn) { fn(); },
        [promise](Response response) { promise->set_value(std::move(response)); });
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "no response within 10 s";
      return Response{bhttp::status::internal_server_error, 11};
    }
    return future.get();
  }

  // Encodes `message` as the body of a signed POST.
  Request Post(const std::string& target, const google::protobuf::Message& message, Encoding encoding,
               const std::string& principal = kAcme) {
    std::string body;
    Status s = EncodeMessage(message, encoding, &body);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return Make(bhttp::verb::post, target, principal, body, std::string(MediaTypeOf(encoding)),
                std::string(MediaTypeOf(encoding)));
  }

  Router& router() { return *router_; }
  NswService& service() { return *service_; }
  const Catalog& catalog() const { return catalog_; }

 private:
  TempDir dir_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<Env> env_;
  Catalog catalog_;
  auth::Verifier verifier_;
  auth::Signer signer_;
  std::unique_ptr<NswService> service_;
  std::unique_ptr<Router> router_;
};

// Decodes a response body by its Content-Type.
template <typename Message>
Message Decoded(const Response& response) {
  Message message;
  Encoding encoding = Encoding::kProtobuf;
  EXPECT_TRUE(ParseContentType(response[bhttp::field::content_type], &encoding))
      << "Content-Type: " << response[bhttp::field::content_type];
  Status s = DecodeMessage(response.body(), encoding, &message);
  EXPECT_TRUE(s.ok()) << s.ToString() << " body: " << response.body();
  return message;
}

inline nsw::Error ErrorOf(const Response& response) { return Decoded<nsw::Error>(response); }

inline SubmitRequest Submission(const std::string& client_ref, const std::string& procedure = "MOIT.CO-FORM-D",
                                const std::string& payload = "payload") {
  SubmitRequest request;
  request.set_procedure(procedure);
  request.set_client_ref(client_ref);
  request.set_payload(payload);
  return request;
}

}  // namespace nsw::http::testing

#endif  // NSW_TESTS_HTTP_HTTP_TEST_UTIL_H_
