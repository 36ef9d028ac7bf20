// The wire protocol's routes; see router.h.
#include "server/http/router.h"

#include <spdlog/logger.h>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <utility>

#include <google/protobuf/arena.h>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>

namespace nsw::http {
namespace {

constexpr std::string_view kDossiersPath = "/v1/dossiers";
constexpr std::string_view kAuthenticateChallenge = "NSW1-HMAC-SHA256";

bool IsEnterpriseRoute(Route route) {
  switch (route) {
    case Route::kSubmit:
    case Route::kGetDossier:
    case Route::kFindDossier:
    case Route::kPay:
    case Route::kSupplement:
    case Route::kWithdraw:
      return true;
    default:
      return false;
  }
}

// Enterprise routes plus the ones any signed caller (stats) or only the
// admin (clock) may use.
bool IsSignedRoute(Route route) {
  return IsEnterpriseRoute(route) || route == Route::kStats || route == Route::kClock;
}

bool TakesBody(Route route) { return route == Route::kSubmit || route == Route::kClock; }

bool NeedsService(Route route) {
  return route != Route::kNone && route != Route::kHealthz && route != Route::kReadyz && route != Route::kExtra &&
         route != Route::kCatalog;
}

// A dossier id: 1..20 decimal digits that fit in uint64 (no sign, no spaces).
bool ParseDossierId(std::string_view text, uint64_t* id) {
  if (text.empty() || text.size() > 20) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *id);
  return ec == std::errc() && end == text.data() + text.size();
}

// The value of `name` in a raw query, percent-decoded ('+' stays '+', as in
// the canonical form). 0: absent; 1: found; -1: a bad escape or a repeat.
int QueryValue(std::string_view query, std::string_view name, std::string* value, std::string* why) {
  int found = 0;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string key;
    if (!auth::PercentDecode(piece.substr(0, eq), &key).ok()) {
      *why = "the query has a bad percent escape";
      return -1;
    }
    if (key != name) continue;
    if (found) {
      *why = "the query names " + std::string(name) + " twice";
      return -1;
    }
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    if (!auth::PercentDecode(raw, value).ok()) {
      *why = "the query has a bad percent escape";
      return -1;
    }
    found = 1;
  }
  return found;
}

Route ActionRoute(std::string_view action) {
  if (action == "payment") return Route::kPay;
  if (action == "supplement") return Route::kSupplement;
  if (action == "withdraw") return Route::kWithdraw;
  return Route::kNone;
}

EnterpriseAction ActionOf(Route route) {
  switch (route) {
    case Route::kPay:
      return EnterpriseAction::kPay;
    case Route::kSupplement:
      return EnterpriseAction::kSupplement;
    default:
      return EnterpriseAction::kWithdraw;
  }
}

bhttp::status StatusOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return bhttp::status::ok;
    case Outcome::kCreated:
      return bhttp::status::accepted;
    case Outcome::kInvalid:
      return bhttp::status::bad_request;
    case Outcome::kNotFound:
      return bhttp::status::not_found;
    case Outcome::kConflict:
      return bhttp::status::conflict;
    case Outcome::kUnavailable:
      return bhttp::status::service_unavailable;
  }
  return bhttp::status::internal_server_error;
}

std::string_view DefaultCode(Outcome outcome) {
  switch (outcome) {
    case Outcome::kInvalid:
      return "invalid_request";
    case Outcome::kNotFound:
      return "not_found";
    case Outcome::kConflict:
      return "conflict";
    case Outcome::kUnavailable:
      return "unavailable";
    default:
      return "ok";
  }
}

// The slice of an Exchange that an asynchronous answer needs: what travels
// to the journal's writer thread and back, instead of the whole Exchange.
struct ReplyContext {
  explicit ReplyContext(const Exchange& exchange)
      : route(exchange.route), reply(exchange.reply), request_id(exchange.request_id) {}
  Exchange ToExchange() {
    Exchange slim;
    slim.route = route;
    slim.reply = reply;
    slim.request_id = std::move(request_id);
    return slim;
  }
  Route route;
  Encoding reply;
  std::string request_id;
};

// The request header fields the router reads, taken in one pass over the
// fields: each basic_fields::operator[] is an ordered-set lookup with
// case-insensitive name compares, and a signed request needed seven. Each
// value is that of the first field of its name, as operator[] gives, and
// empty when there is none.
struct HeaderValues {
  explicit HeaderValues(const RequestHeader& header);
  std::string_view request_id;
  std::string_view content_type;
  std::string_view accept;
  std::string_view authorization;
  std::string_view enterprise;
  std::string_view host;
};

HeaderValues::HeaderValues(const RequestHeader& header) {
  // Beast knows a field's name as an enum when it is a registered one;
  // the two nsw headers are compared by name unless Beast ever knows them.
  static const bhttp::field request_id_field = bhttp::string_to_field(kRequestIdHeader);
  static const bhttp::field enterprise_field = bhttp::string_to_field(auth::kEnterpriseHeader);
  bool seen_request_id = false, seen_content_type = false, seen_accept = false, seen_authorization = false,
       seen_enterprise = false, seen_host = false;
  auto take = [](bool* seen, std::string_view* out, const auto& f) {
    if (*seen) return;
    *seen = true;
    *out = f.value();
  };
  auto is = [](const auto& f, bhttp::field known, std::string_view name) {
    return known != bhttp::field::unknown ? f.name() == known
                                          : f.name() == bhttp::field::unknown &&
                                                boost::beast::iequals(f.name_string(), name);
  };
  for (const auto& f : header) {
    switch (f.name()) {
      case bhttp::field::content_type:
        take(&seen_content_type, &content_type, f);
        continue;
      case bhttp::field::accept:
        take(&seen_accept, &accept, f);
        continue;
      case bhttp::field::authorization:
        take(&seen_authorization, &authorization, f);
        continue;
      case bhttp::field::host:
        take(&seen_host, &host, f);
        continue;
      default:
        break;
    }
    if (is(f, request_id_field, kRequestIdHeader)) {
      take(&seen_request_id, &request_id, f);
    } else if (is(f, enterprise_field, auth::kEnterpriseHeader)) {
      take(&seen_enterprise, &enterprise, f);
    }
  }
}

// The first arena block of a decoded submission, on the stack: a typical
// body (a few KB of payload) decodes without a heap allocation.
constexpr size_t kSubmitArenaBytes = 8192;

}  // namespace

std::string_view RouteName(Route route) {
  switch (route) {
    case Route::kNone:
      return "none";
    case Route::kSubmit:
      return "submit";
    case Route::kGetDossier:
      return "get_dossier";
    case Route::kFindDossier:
      return "find_dossier";
    case Route::kPay:
      return "payment";
    case Route::kSupplement:
      return "supplement";
    case Route::kWithdraw:
      return "withdraw";
    case Route::kCatalog:
      return "catalog";
    case Route::kStats:
      return "stats";
    case Route::kClock:
      return "clock";
    case Route::kHealthz:
      return "healthz";
    case Route::kReadyz:
      return "readyz";
    case Route::kExtra:
      return "extra";
  }
  return "none";
}

Router::Router(NswService* service, const auth::Verifier* verifier, RouterOptions options, spdlog::logger* log)
    : service_(service), verifier_(verifier), options_(std::move(options)), log_(log) {
  const auto& catalog = service_->catalog().proto();
  Status s = EncodeMessage(catalog, Encoding::kProtobuf, &catalog_protobuf_);
  if (s.ok()) s = EncodeMessage(catalog, Encoding::kJson, &catalog_json_);
  if (!s.ok()) log_->error("cannot encode the catalog: {}", s.ToString());
}

void Router::AddRoute(bhttp::verb method, std::string path, Handler handler) {
  extra_.push_back(ExtraRoute{method, std::move(path), std::move(handler)});
}

int64_t Router::NowUnixSeconds() const {
  if (options_.unix_seconds) return options_.unix_seconds();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Response Router::TextResponse(const Exchange& exchange, bhttp::status status, std::string_view text) const {
  Response response{status, 11};
  response.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  response.set(kRequestIdHeader, exchange.request_id);
  response.body().assign(text);
  response.prepare_payload();
  return response;
}

Response Router::MessageResponse(const Exchange& exchange, bhttp::status status,
                                 const google::protobuf::Message& message) const {
  Response response{status, 11};
  Status s = EncodeMessage(message, exchange.reply, &response.body());
  if (!s.ok()) {
    log_->error("request {}: {}", exchange.request_id, s.ToString());
    return ErrorResponse(exchange, bhttp::status::internal_server_error, "internal", "the reply could not be encoded");
  }
  response.set(bhttp::field::content_type, MediaTypeOf(exchange.reply));
  response.set(kRequestIdHeader, exchange.request_id);
  response.prepare_payload();
  return response;
}

Response Router::ErrorResponse(const Exchange& exchange, bhttp::status status, std::string_view code,
                               std::string_view message) const {
  nsw::Error error;
  error.set_code(std::string(code));
  error.set_message(std::string(message));
  error.set_request_id(exchange.request_id);
  Response response{status, 11};
  // An Error always encodes; nothing to check.
  (void)EncodeMessage(error, exchange.reply, &response.body());
  response.set(bhttp::field::content_type, MediaTypeOf(exchange.reply));
  response.set(kRequestIdHeader, exchange.request_id);
  if (status == bhttp::status::service_unavailable) {
    response.set(bhttp::field::retry_after, std::to_string(options_.retry_after_seconds));
  }
  if (status == bhttp::status::unauthorized) {
    response.set(bhttp::field::www_authenticate, kAuthenticateChallenge);
  }
  response.prepare_payload();
  return response;
}

Response Router::ResultResponse(const Exchange& exchange, const Result& result,
                                const google::protobuf::Message& reply) const {
  if (result.ok()) return MessageResponse(exchange, StatusOf(result.outcome), reply);
  std::string_view code = result.code.empty() ? DefaultCode(result.outcome) : std::string_view(result.code);
  return ErrorResponse(exchange, StatusOf(result.outcome), code, result.message);
}

Response Router::Refuse(const RequestHeader* header, bhttp::status status, std::string_view code,
                        std::string_view message) {
  Exchange exchange;
  exchange.request_id = header ? request_ids_.For((*header)[kRequestIdHeader]) : request_ids_.Next();
  Encoding reply = Encoding::kJson;
  if (header) {
    Encoding body;
    Encoding preferred = ParseContentType((*header)[bhttp::field::content_type], &body) ? body : Encoding::kJson;
    if (!NegotiateReply((*header)[bhttp::field::accept], preferred, &reply)) reply = Encoding::kJson;
  }
  exchange.reply = reply;
  return ErrorResponse(exchange, status, code, message);
}

bool Router::Match(const RequestHeader& header, std::string_view path, Exchange* exchange,
                   std::string_view* id_text, Response* refusal) const {
  bhttp::verb method = header.method();
  auto allow = [&](bhttp::verb wanted, Route route, std::string_view allowed) {
    if (method == wanted) {
      exchange->route = route;
      return true;
    }
    *refusal = ErrorResponse(*exchange, bhttp::status::method_not_allowed, "method_not_allowed",
                             std::string(header.method_string()) + " is not allowed on " + std::string(path) +
                                 " (allowed: " + std::string(allowed) + ")");
    refusal->set(bhttp::field::allow, allowed);
    return false;
  };

  if (path == kDossiersPath) {
    if (method == bhttp::verb::get) {
      exchange->route = Route::kFindDossier;
      return true;
    }
    return allow(bhttp::verb::post, Route::kSubmit, "GET, POST");
  }
  if (path.size() > kDossiersPath.size() + 1 && path.substr(0, kDossiersPath.size()) == kDossiersPath &&
      path[kDossiersPath.size()] == '/') {
    std::string_view rest = path.substr(kDossiersPath.size() + 1);
    size_t slash = rest.find('/');
    std::string_view id = rest.substr(0, slash);
    if (!id.empty()) {
      *id_text = id;  // parsed after authentication
      if (slash == std::string_view::npos) return allow(bhttp::verb::get, Route::kGetDossier, "GET");
      Route action = ActionRoute(rest.substr(slash + 1));
      if (action != Route::kNone) return allow(bhttp::verb::post, action, "POST");
    }
  } else if (path == "/v1/catalog") {
    return allow(bhttp::verb::get, Route::kCatalog, "GET");
  } else if (path == "/v1/stats") {
    return allow(bhttp::verb::get, Route::kStats, "GET");
  } else if (path == "/v1/admin/clock") {
    return allow(bhttp::verb::post, Route::kClock, "POST");
  } else if (path == "/healthz") {
    return allow(bhttp::verb::get, Route::kHealthz, "GET");
  } else if (path == "/readyz") {
    return allow(bhttp::verb::get, Route::kReadyz, "GET");
  } else {
    for (size_t i = 0; i < extra_.size(); ++i) {
      if (extra_[i].path != path) continue;
      exchange->extra = static_cast<int>(i);
      return allow(extra_[i].method, Route::kExtra, bhttp::to_string(extra_[i].method));
    }
  }
  *refusal = ErrorResponse(*exchange, bhttp::status::not_found, "not_found", "no endpoint at " + std::string(path));
  return false;
}

bool Router::Prepare(const RequestHeader& header, bool has_body, Exchange* exchange, Response* refusal) {
  const HeaderValues values(header);
  exchange->request_id = request_ids_.For(values.request_id);
  Encoding body_encoding = Encoding::kProtobuf;
  std::string_view content_type = values.content_type;
  bool known_type = ParseContentType(content_type, &body_encoding);
  exchange->body = body_encoding;
  if (!NegotiateReply(values.accept, has_body && known_type ? body_encoding : Encoding::kJson,
                      &exchange->reply)) {
    exchange->reply = Encoding::kJson;
    *refusal = ErrorResponse(*exchange, bhttp::status::not_acceptable, "not_acceptable",
                             "Accept allows neither application/json nor application/x-protobuf");
    return false;
  }

  std::string_view path, query;
  auth::SplitTarget(header.target(), &path, &query);
  std::string_view id_text;
  if (!Match(header, path, exchange, &id_text, refusal)) return false;
  Route route = exchange->route;

  if (IsSignedRoute(route)) {
    exchange->signed_route = true;
    auth::AuthVerdict verdict =
        verifier_->CheckHeaders(values.authorization, values.enterprise, NowUnixSeconds(), &exchange->auth);
    if (!verdict.ok()) {
      *refusal = ErrorResponse(*exchange, bhttp::status::unauthorized, auth::AuthCodeName(verdict.code),
                               verdict.message);
      return false;
    }
    if (IsEnterpriseRoute(route) && exchange->auth.is_admin()) {
      *refusal = ErrorResponse(*exchange, bhttp::status::forbidden, "enterprise_required",
                               "dossiers belong to enterprises: sign as an enterprise, not as admin");
      return false;
    }
    if (route == Route::kClock && !exchange->auth.is_admin()) {
      *refusal = ErrorResponse(*exchange, bhttp::status::forbidden, "admin_required",
                               "the clock is the administrator's: sign with the admin key");
      return false;
    }
  }

  switch (route) {
    case Route::kGetDossier:
    case Route::kPay:
    case Route::kSupplement:
    case Route::kWithdraw: {
      if (!ParseDossierId(id_text, &exchange->dossier_id)) {
        *refusal = ErrorResponse(*exchange, bhttp::status::bad_request, "invalid_dossier_id",
                                 "dossier id '" + std::string(id_text.substr(0, 64)) + "' is not a decimal number");
        return false;
      }
      break;
    }
    case Route::kFindDossier: {
      std::string why;
      int found = QueryValue(query, "client_ref", &exchange->client_ref, &why);
      if (found <= 0) {
        *refusal = ErrorResponse(*exchange, bhttp::status::bad_request,
                                 found == 0 ? "missing_client_ref" : "invalid_query",
                                 found == 0 ? "GET /v1/dossiers needs ?client_ref=R" : why);
        return false;
      }
      break;
    }
    default:
      break;
  }

  if (has_body && TakesBody(route) && !known_type) {
    *refusal = ErrorResponse(*exchange, bhttp::status::unsupported_media_type, "unsupported_media_type",
                             content_type.empty()
                                 ? std::string("a body needs Content-Type application/x-protobuf or application/json")
                                 : "Content-Type '" + std::string(content_type.substr(0, 100)) +
                                       "' is neither application/x-protobuf nor application/json");
    return false;
  }

  if (NeedsService(route) && !service_started()) {
    *refusal = ErrorResponse(*exchange, bhttp::status::service_unavailable, "not_ready",
                             "the server is recovering its journal");
    return false;
  }
  return true;
}

void Router::Complete(const Post& post, Done done, Response response) {
  post([done = std::move(done), response = std::move(response)]() mutable { done(std::move(response)); });
}

void Router::Dispatch(const Exchange& exchange, const Request& request, const Post& post, Done done) {
  if (exchange.signed_route) {
    const HeaderValues values(request);
    auth::RequestParts parts;
    parts.method = request.method_string();
    parts.target = request.target();
    parts.host = values.host;
    parts.content_type = values.content_type;
    parts.body = request.body();
    auth::AuthVerdict verdict = verifier_->CheckSignature(exchange.auth, parts);
    if (!verdict.ok()) {
      Complete(post, std::move(done),
               ErrorResponse(exchange, bhttp::status::unauthorized, auth::AuthCodeName(verdict.code),
                             verdict.message));
      return;
    }
  }
  const std::string& principal = exchange.auth.principal();

  switch (exchange.route) {
    case Route::kSubmit: {
      // NswService::Submit reads the request only during the call.
      alignas(std::max_align_t) char first_block[kSubmitArenaBytes];
      google::protobuf::ArenaOptions arena_options;
      arena_options.initial_block = first_block;
      arena_options.initial_block_size = sizeof first_block;
      google::protobuf::Arena arena(arena_options);
      SubmitRequest* submit = google::protobuf::Arena::CreateMessage<SubmitRequest>(&arena);
      if (!request.body().empty()) {
        Status s = DecodeMessage(request.body(), exchange.body, submit);
        if (!s.ok()) {
          Complete(post, std::move(done),
                   ErrorResponse(exchange, bhttp::status::bad_request, "malformed_body", s.message()));
          return;
        }
      }
      // Called once, on the writer thread (or this one): moves, not copies.
      // The decoded request is not read after the call: its payload may move.
      service_->Submit(principal, std::move(*submit),
                       [this, context = ReplyContext(exchange), post, done = std::move(done)](
                           const Result& result, const SubmitReply& reply) mutable {
                         post([this, context = std::move(context), result, reply, done = std::move(done)]() mutable {
                           done(ResultResponse(context.ToExchange(), result, reply));
                         });
                       });
      return;
    }
    case Route::kGetDossier:
    case Route::kFindDossier: {
      Dossier dossier;
      Result result = exchange.route == Route::kGetDossier
                          ? service_->GetDossier(principal, exchange.dossier_id, &dossier)
                          : service_->FindDossier(principal, exchange.client_ref, &dossier);
      Complete(post, std::move(done), ResultResponse(exchange, result, dossier));
      return;
    }
    case Route::kPay:
    case Route::kSupplement:
    case Route::kWithdraw:
      service_->Act(principal, exchange.dossier_id, ActionOf(exchange.route),
                    [this, context = ReplyContext(exchange), post, done = std::move(done)](
                        const Result& result, const Dossier& dossier) mutable {
                      post([this, context = std::move(context), result, dossier, done = std::move(done)]() mutable {
                        done(ResultResponse(context.ToExchange(), result, dossier));
                      });
                    });
      return;
    case Route::kCatalog: {
      Response response{bhttp::status::ok, 11};
      response.set(bhttp::field::content_type, MediaTypeOf(exchange.reply));
      response.set(kRequestIdHeader, exchange.request_id);
      response.body() = exchange.reply == Encoding::kJson ? catalog_json_ : catalog_protobuf_;
      response.prepare_payload();
      Complete(post, std::move(done), std::move(response));
      return;
    }
    case Route::kStats: {
      Stats stats;
      service_->GetStats(&stats);
      Complete(post, std::move(done), MessageResponse(exchange, bhttp::status::ok, stats));
      return;
    }
    case Route::kClock: {
      ClockRequest clock;
      if (!request.body().empty()) {
        Status s = DecodeMessage(request.body(), exchange.body, &clock);
        if (!s.ok()) {
          Complete(post, std::move(done),
                   ErrorResponse(exchange, bhttp::status::bad_request, "malformed_body", s.message()));
          return;
        }
      }
      service_->Clock(clock, [this, context = ReplyContext(exchange), post, done = std::move(done)](
                                 const Result& result, const ClockReply& reply) mutable {
        post([this, context = std::move(context), result, reply, done = std::move(done)]() mutable {
          done(ResultResponse(context.ToExchange(), result, reply));
        });
      });
      return;
    }
    case Route::kHealthz:
      Complete(post, std::move(done), TextResponse(exchange, bhttp::status::ok, "ok\n"));
      return;
    case Route::kReadyz:
      if (service_started() && service_->ready()) {
        Complete(post, std::move(done), TextResponse(exchange, bhttp::status::ok, "ready\n"));
      } else {
        Complete(post, std::move(done),
                 ErrorResponse(exchange, bhttp::status::service_unavailable, "not_ready",
                               service_started() ? "the journal has failed or the server is stopping"
                                                 : "the server is recovering its journal"));
      }
      return;
    case Route::kExtra: {
      Response response{bhttp::status::ok, 11};
      extra_[exchange.extra].handler(request, &response);
      response.set(kRequestIdHeader, exchange.request_id);
      response.prepare_payload();
      Complete(post, std::move(done), std::move(response));
      return;
    }
    case Route::kNone:
      break;
  }
  Complete(post, std::move(done),
           ErrorResponse(exchange, bhttp::status::not_found, "not_found", "no endpoint at this path"));
}

void Router::Handle(const Request& request, const Post& post, Done done) {
  bool has_body = !request.body().empty() || request.chunked() ||
                  (request.has_content_length() && request[bhttp::field::content_length] != "0");
  Exchange exchange;
  Response refusal;
  if (!Prepare(request, has_body, &exchange, &refusal)) {
    Complete(post, std::move(done), std::move(refusal));
    return;
  }
  Dispatch(exchange, request, post, std::move(done));
}

}  // namespace nsw::http
