// Fuzzes the server's handling of raw request bytes without sockets, the way
// session.cc does it: Beast's request_parser with the server's default
// header and body limits reads requests one after another from the input
// (pipelining), each header goes through Router::Prepare (routing, the
// Authorization header, Content-Type, Accept) and, when accepted, its body is
// read and Router::Dispatch runs the real NswService (durability none). The
// response must be complete and carry X-Request-Id.
//
// Random bytes cannot forge an HMAC, so a request carrying the header
// `X-Fuzz-Sign: <principal>` is signed by the harness (as the client would)
// just before Prepare: the fuzzer then reaches the signed routes, body
// decoding and the service with whatever else the request holds.
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "client/signing.h"
#include "fuzz/fuzz_util.h"
#include "proto/catalog.h"
#include "server/domain/service.h"
#include "server/http/router.h"
#include "server/journal/env.h"

namespace {

namespace bhttp = boost::beast::http;
constexpr int64_t kNow = 1'700'000'000;
constexpr uint64_t kMaxBody = 1u << 20;     // HttpServerOptions defaults
constexpr uint32_t kMaxHeader = 16u << 10;
constexpr int kMaxRequestsPerInput = 16;
// The service keeps every accepted dossier; a fresh one now and then keeps
// a long fuzzing run's memory flat.
constexpr int kInputsPerService = 20000;

nsw::auth::Key FuzzMaster() {
  nsw::auth::Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  return key;
}

class Stack {
 public:
  Stack()
      : log_(std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>())),
        env_(nsw::NewPosixEnv()),
        verifier_(nsw::auth::Verifier::FromMaster(FuzzMaster())),
        signer_(nsw::auth::Signer::FromMaster(FuzzMaster())) {
    if (!nsw::Catalog::Default(&catalog_).ok()) std::abort();
  }

  nsw::http::Router& router() {
    if (router_ == nullptr || ++inputs_ > kInputsPerService) Restart();
    return *router_;
  }
  nsw::auth::Signer& signer() { return signer_; }

 private:
  void Restart() {
    router_.reset();
    if (service_) service_->Stop();
    service_.reset();
    inputs_ = 0;
    nsw::ServiceOptions options;
    options.journal.dir = dir_.path();
    options.journal.durability = nsw::Durability::kNone;
    options.enterprise_actions = nsw::EnterpriseActions::kHttp;  // payment, supplement, withdraw reachable
    service_ = std::make_unique<nsw::NswService>(catalog_, options, env_.get(), log_.get());
    if (!service_->Start().ok()) std::abort();
    nsw::http::RouterOptions router_options;
    router_options.unix_seconds = [] { return kNow; };
    router_ = std::make_unique<nsw::http::Router>(service_.get(), &verifier_, router_options, log_.get());
    router_->set_service_started(true);
  }

  nsw::fuzz::ScratchDir dir_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<nsw::Env> env_;
  nsw::Catalog catalog_;
  nsw::auth::Verifier verifier_;
  nsw::auth::Signer signer_;
  std::unique_ptr<nsw::NswService> service_;
  std::unique_ptr<nsw::http::Router> router_;
  int inputs_ = 0;
};

void CheckResponse(const nsw::http::Response& response) {
  if (response[nsw::http::kRequestIdHeader].empty()) std::abort();
  if (response.result_int() < 200 || response.result_int() > 599) std::abort();
  // Serializable as the session would write it.
  bhttp::response<bhttp::string_body> copy = response;
  copy.prepare_payload();
  bhttp::serializer<false, bhttp::string_body> serializer(copy);
  boost::system::error_code ec;
  size_t total = 0;
  while (!serializer.is_done() && !ec) {
    serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
      size_t n = boost::asio::buffer_size(buffers);
      total += n;
      serializer.consume(n);
    });
  }
  if (ec || total == 0) std::abort();
}

void SignIfAsked(nsw::http::Request* request, nsw::auth::Signer* signer) {
  auto it = request->find("X-Fuzz-Sign");
  if (it == request->end()) return;
  std::string principal(it->value());
  nsw::auth::RequestParts parts;
  parts.method = request->method_string();
  parts.target = request->target();
  parts.host = (*request)[bhttp::field::host];
  parts.content_type = (*request)[bhttp::field::content_type];
  parts.body = request->body();
  std::string_view name;
  std::string value;
  if (signer->Sign(principal, kNow, parts, &name, &value).ok()) request->set(name, value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool silenced = nsw::fuzz::SilenceProtobufLogs();
  (void)silenced;
  static Stack stack;
  nsw::http::Router& router = stack.router();
  std::string_view input(reinterpret_cast<const char*>(data), size);

  for (int i = 0; i < kMaxRequestsPerInput && !input.empty(); ++i) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(kMaxHeader);
    parser.body_limit(kMaxBody);
    boost::system::error_code ec;
    // The header first, as async_read_header does.
    while (!parser.is_header_done() && !ec && !input.empty()) {
      size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
      input.remove_prefix(used);
      if (used == 0 && !ec) ec = bhttp::error::need_more;
    }
    if (!parser.is_header_done()) {
      if (ec && ec != bhttp::error::need_more) {
        // The session answers an unreadable header from what was parsed.
        CheckResponse(router.Refuse(&parser.get(), bhttp::status::bad_request, "bad_request", ec.message()));
      }
      return 0;
    }
    nsw::http::Request& request = parser.get();
    // The signing hook sees the body, which is not read yet: sign over the
    // body the announced length would take from the rest of the input.
    const bool has_body = parser.content_length() ? *parser.content_length() > 0 : parser.chunked();
    nsw::http::Exchange exchange;
    nsw::http::Response response;
    if (request.find("X-Fuzz-Sign") != request.end() && !parser.chunked()) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(parser.content_length().value_or(0), input.size()));
      request.body().assign(input.substr(0, n));
      SignIfAsked(&request, &stack.signer());
      request.body().clear();
    }
    if (!router.Prepare(request, has_body, &exchange, &response)) {
      CheckResponse(response);
      if (has_body && !parser.is_done()) return 0;  // the session closes here
      continue;
    }
    while (!parser.is_done() && !ec && !input.empty()) {
      size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
      input.remove_prefix(used);
      if (used == 0 && !ec) break;
    }
    if (!parser.is_done() && (ec == bhttp::error::need_more || !ec)) parser.put_eof(ec);
    if (ec || !parser.is_done()) {
      if (ec == bhttp::error::body_limit) {
        CheckResponse(router.Refuse(&request, bhttp::status::payload_too_large, "body_too_large", ec.message()));
      }
      return 0;
    }
    std::promise<nsw::http::Response> promise;
    std::future<nsw::http::Response> future = promise.get_future();
    router.Dispatch(
        exchange, request, [](std::function<void()> fn) { fn(); },
        [&promise](nsw::http::Response r) { promise.set_value(std::move(r)); });
    CheckResponse(future.get());
    if (!request.keep_alive()) return 0;
  }
  return 0;
}
