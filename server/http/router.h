// Router: the wire protocol's endpoints (DESIGN.md "Wire protocol") as a
// plain object from (request header, body) to response, in the manner of
// Beast's `handle_request`, so it is tested and benchmarked without sockets.
// The session (session.cc) owns the connection; the router owns routing,
// authentication, content negotiation, body decoding, the one NswService
// call per request and the encoding of its Result.
//
// Two stages, so that a request is refused from its header alone before its
// body is read (a client sending `Expect: 100-continue` then never sends it):
//   Prepare(header)  -> route (404, 405 with Allow), principal (401 with the
//                       auth::AuthCode name, 403 for the wrong kind of
//                       principal), path id and query (400), Content-Type of
//                       a body (415), Accept (406).
//   Dispatch(body)   -> signature over the body (401 bad_signature), body
//                       decoding (400 malformed_body), the service call and
//                       the Outcome -> status mapping (200, 202, 400, 404,
//                       409, 503 with Retry-After).
// Every response carries X-Request-Id and, for errors, an nsw.Error body
// {code, message, request_id} in the negotiated encoding.
//
// Authentication (client/signing.h): /v1/dossiers... need an enterprise
// (10-digit tax code; admin is refused with 403 enterprise_required);
// /v1/stats any principal; /v1/admin/clock the admin (403 admin_required).
// /healthz, /readyz and GET /v1/catalog are public: the catalog is the same
// for everyone and a client needs it before it can sign anything useful.
// Routes added with AddRoute are public too.
//
// Until set_service_started(true) (the journal is being replayed) every
// route that needs the service answers 503 not_ready without calling it;
// /healthz answers.
//
// Thread-safety: after construction and AddRoute, Prepare, Dispatch and
// Handle are safe to call concurrently from any number of io threads.
#ifndef NSW_SERVER_HTTP_ROUTER_H_
#define NSW_SERVER_HTTP_ROUTER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include "client/signing.h"
#include "server/domain/service.h"
#include "server/http/media.h"
#include "server/http/request_id.h"
#include "server/http/route.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace nsw::http {

namespace bhttp = boost::beast::http;
using RequestHeader = bhttp::request_header<>;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

inline constexpr std::string_view kRequestIdHeader = "X-Request-Id";

// What Prepare learned from the header, carried to Dispatch.
struct Exchange {
  Route route = Route::kNone;
  std::string request_id;
  Encoding reply = Encoding::kJson;     // negotiated from Accept
  Encoding body = Encoding::kProtobuf;  // of the request body, when it has one
  uint64_t dossier_id = 0;              // dossier routes with {id}
  std::string client_ref;               // kFindDossier, percent-decoded
  int extra = -1;                       // kExtra: index of the added route
  auth::PendingAuth auth;               // when the route is signed
  bool signed_route = false;
};

struct RouterOptions {
  // Wall clock for signature staleness, Unix seconds. Empty (the default):
  // the system clock.
  std::function<int64_t()> unix_seconds;
  // Retry-After of every 503 (not ready, journal failure, connection limit,
  // overload), seconds. Default 1.
  int retry_after_seconds = 1;
};

class Router {
 public:
  // Runs a function on the io thread that owns the request. Service
  // callbacks arrive on the journal's writer thread; the router hands them to
  // `post` so that encoding and the `done` call happen on the io thread.
  using Post = std::function<void(std::function<void()>)>;
  // Receives the response; always called from inside a function given to
  // `post`, never from inside Dispatch or Handle.
  using Done = std::function<void(Response)>;
  // A public route's handler (synchronous): fills the response's status,
  // body and Content-Type; the router adds X-Request-Id.
  using Handler = std::function<void(const Request&, Response*)>;

  // `service`, `verifier` and `log` must outlive the router.
  Router(NswService* service, const auth::Verifier* verifier, RouterOptions options, spdlog::logger* log);
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Adds a public endpoint (the hook for /metrics and the dashboard).
  // REQUIRES: before the first request; `path` not already routed.
  void AddRoute(bhttp::verb method, std::string path, Handler handler);

  // Opens the gate to the service once NswService::Start has returned OK.
  void set_service_started(bool started) { service_started_.store(started, std::memory_order_release); }
  bool service_started() const { return service_started_.load(std::memory_order_acquire); }

  // Stage 1, from the header alone. `has_body`: the request announces a
  // body (Content-Length > 0 or chunked). True: read the body, then call
  // Dispatch with *exchange. False: *refusal is the complete answer.
  bool Prepare(const RequestHeader& header, bool has_body, Exchange* exchange, Response* refusal);
  // Stage 2, once `request` (header and body) is complete.
  void Dispatch(const Exchange& exchange, const Request& request, const Post& post, Done done);
  // Both stages, for a complete request (tests, benchmarks).
  void Handle(const Request& request, const Post& post, Done done);

  // An error answer outside any route: an unreadable request (400), a body
  // or header over its limit (413, 431), the connection limit or overload
  // (503). `header` is whatever was parsed (null when nothing was), used for
  // the request id and Accept.
  Response Refuse(const RequestHeader* header, bhttp::status status, std::string_view code,
                  std::string_view message);

  RequestIds& request_ids() { return request_ids_; }
  NswService* service() const { return service_; }

 private:
  struct ExtraRoute {
    bhttp::verb method;
    std::string path;
    Handler handler;
  };

  Response ErrorResponse(const Exchange& exchange, bhttp::status status, std::string_view code,
                         std::string_view message) const;
  Response MessageResponse(const Exchange& exchange, bhttp::status status,
                           const google::protobuf::Message& message) const;
  Response ResultResponse(const Exchange& exchange, const Result& result,
                          const google::protobuf::Message& reply) const;
  Response TextResponse(const Exchange& exchange, bhttp::status status, std::string_view text) const;
  // Matches path and method; false with *refusal (404, 405) otherwise.
  // *id_text: the {id} segment of dossier paths.
  bool Match(const RequestHeader& header, std::string_view path, Exchange* exchange, std::string_view* id_text,
             Response* refusal) const;
  // Completes a route that answered synchronously.
  static void Complete(const Post& post, Done done, Response response);
  int64_t NowUnixSeconds() const;

  NswService* service_;
  const auth::Verifier* verifier_;
  RouterOptions options_;
  spdlog::logger* log_;
  RequestIds request_ids_;
  std::atomic<bool> service_started_{false};
  std::vector<ExtraRoute> extra_;
  // The catalog never changes: encoded once per encoding.
  std::string catalog_protobuf_;
  std::string catalog_json_;
};

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_ROUTER_H_
