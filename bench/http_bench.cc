// Transport micro-benchmarks without sockets: what one request costs the io
// thread between the bytes arriving and the bytes leaving. Parsing a request
// with Beast, the router's stages (auth header check, HMAC over the body,
// decode, one NswService call over the in-memory journal, encode), and
// serializing the response; content negotiation and error responses on
// their own. The service runs with durability none, so no disk is involved.
#include <benchmark/benchmark.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "client/signing.h"
#include "proto/catalog.h"
#include "server/domain/service.h"
#include "server/http/media.h"
#include "server/http/router.h"
#include "server/journal/env.h"

namespace nsw::http {
namespace {

constexpr int64_t kNow = 1'700'000'000;
constexpr const char* kAcme = "0100000001";

auth::Key BenchKey() {
  auth::Key key{};
  key[0] = 9;
  return key;
}

// A started NswService (durability none) and a Router over it.
class Stack {
 public:
  explicit Stack(bool authenticate)
      : log_(std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_mt>())),
        env_(NewPosixEnv()),
        verifier_(authenticate ? auth::Verifier::FromMaster(BenchKey()) : auth::Verifier::Unauthenticated()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "nsw-http-bench-XXXXXX").string();
    dir_ = mkdtemp(pattern.data()) ? pattern : "/tmp";
    (void)Catalog::Default(&catalog_);
    ServiceOptions options;
    options.journal.dir = dir_;
    options.journal.durability = Durability::kNone;
    service_ = std::make_unique<NswService>(catalog_, options, env_.get(), log_.get());
    (void)service_->Start();
    RouterOptions router_options;
    router_options.unix_seconds = [] { return kNow; };
    router_ = std::make_unique<Router>(service_.get(), &verifier_, router_options, log_.get());
    router_->set_service_started(true);
  }
  ~Stack() {
    router_.reset();
    service_->Stop();
    service_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Handle with an inline post; the service answers at once (durability none).
  Response Call(const Request& request) {
    Response out;
    router_->Handle(
        request, [](std::function<void()> fn) { fn(); }, [&out](Response r) { out = std::move(r); });
    return out;
  }
  Router& router() { return *router_; }

 private:
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<Env> env_;
  std::string dir_;
  Catalog catalog_;
  auth::Verifier verifier_;
  std::unique_ptr<NswService> service_;
  std::unique_ptr<Router> router_;
};

void SignRequest(Request* request, const std::string& principal) {
  static auth::Signer signer = auth::Signer::FromMaster(BenchKey());
  auth::RequestParts parts{request->method_string(), request->target(), (*request)[bhttp::field::host],
                           (*request)[bhttp::field::content_type], request->body()};
  std::string_view name;
  std::string value;
  (void)signer.Sign(principal, kNow, parts, &name, &value);
  request->set(name, value);
}

Request MakeSubmit(const std::string& client_ref, Encoding encoding) {
  SubmitRequest submit;
  submit.set_procedure("MOIT.CO-FORM-D");
  submit.set_client_ref(client_ref);
  submit.set_payload(std::string(1024, 'p'));
  Request request{bhttp::verb::post, "/v1/dossiers", 11};
  request.set(bhttp::field::host, "127.0.0.1:8080");
  request.set(bhttp::field::content_type, MediaTypeOf(encoding));
  request.set(bhttp::field::accept, MediaTypeOf(encoding));
  (void)EncodeMessage(submit, encoding, &request.body());
  request.prepare_payload();
  return request;
}

std::string Serialize(const Request& request) {
  std::ostringstream out;
  out << request;
  return out.str();
}

// The response's bytes as the session writes them.
size_t SerializeResponse(Response& response, std::string* out) {
  out->clear();
  bhttp::response_serializer<bhttp::string_body> serializer{response};
  boost::beast::error_code ec;
  while (!serializer.is_done()) {
    serializer.next(ec, [&](boost::beast::error_code&, const auto& buffers) {
      size_t n = 0;
      for (auto b : boost::beast::buffers_range_ref(buffers)) {
        out->append(static_cast<const char*>(b.data()), b.size());
        n += b.size();
      }
      serializer.consume(n);
    });
    if (ec) break;
  }
  return out->size();
}

Request Parse(const std::string& bytes) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.body_limit(1 << 20);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes), ec);
  return parser.release();
}

void BM_ParseSignedSubmit(benchmark::State& state) {
  Request request = MakeSubmit("parse-1", Encoding::kProtobuf);
  SignRequest(&request, kAcme);
  std::string bytes = Serialize(request);
  for (auto _ : state) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.eager(true);
    parser.body_limit(1 << 20);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(bytes), ec);
    benchmark::DoNotOptimize(parser.get().body().size());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_ParseSignedSubmit);

// A new submission each iteration: parse, route, decode, Submit, encode,
// serialize. Arg: 0 protobuf, 1 JSON. Signatures are verified (the client's
// signing is done outside the timed region).
void BM_SubmitEndToEnd(benchmark::State& state) {
  Stack stack(/*authenticate=*/true);
  Encoding encoding = state.range(0) == 0 ? Encoding::kProtobuf : Encoding::kJson;
  std::string wire;
  int64_t n = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Request signed_request = MakeSubmit("bench-" + std::to_string(n++), encoding);
    SignRequest(&signed_request, kAcme);
    std::string bytes = Serialize(signed_request);
    state.ResumeTiming();
    Request request = Parse(bytes);
    Response response = stack.Call(request);
    benchmark::DoNotOptimize(SerializeResponse(response, &wire));
    if (response.result() != bhttp::status::accepted) state.SkipWithError("submit was not accepted");
  }
  state.SetLabel(std::string(EncodingName(encoding)));
}
BENCHMARK(BM_SubmitEndToEnd)->Arg(0)->Arg(1);

// The same signed status query again and again: parse, verify, look up,
// encode the dossier with its timeline, serialize. Arg as above.
void BM_GetDossierEndToEnd(benchmark::State& state) {
  Stack stack(true);
  Encoding encoding = state.range(0) == 0 ? Encoding::kProtobuf : Encoding::kJson;
  Request submit = MakeSubmit("status-1", Encoding::kProtobuf);
  SignRequest(&submit, kAcme);
  SubmitReply reply;
  reply.ParseFromString(stack.Call(submit).body());
  Request get{bhttp::verb::get, "/v1/dossiers/" + std::to_string(reply.dossier_id()), 11};
  get.set(bhttp::field::host, "127.0.0.1:8080");
  get.set(bhttp::field::accept, MediaTypeOf(encoding));
  SignRequest(&get, kAcme);
  std::string bytes = Serialize(get);
  std::string wire;
  for (auto _ : state) {
    Request request = Parse(bytes);
    Response response = stack.Call(request);
    benchmark::DoNotOptimize(SerializeResponse(response, &wire));
    if (response.result() != bhttp::status::ok) state.SkipWithError("status query failed");
  }
  state.SetLabel(std::string(EncodingName(encoding)));
}
BENCHMARK(BM_GetDossierEndToEnd)->Arg(0)->Arg(1);

// The cheapest full path: unsigned, no service call.
void BM_Healthz(benchmark::State& state) {
  Stack stack(true);
  std::string bytes = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
  std::string wire;
  for (auto _ : state) {
    Request request = Parse(bytes);
    Response response = stack.Call(request);
    benchmark::DoNotOptimize(SerializeResponse(response, &wire));
  }
}
BENCHMARK(BM_Healthz);

// A refusal from the header alone (stale signature): what a flood of bad
// requests costs before any body is read.
void BM_RefusedFromHeader(benchmark::State& state) {
  Stack stack(true);
  Request request = MakeSubmit("refused", Encoding::kProtobuf);
  SignRequest(&request, kAcme);
  request.set(bhttp::field::authorization,
              "NSW1-HMAC-SHA256 enterprise=0100000001, ts=1000, sig=" + std::string(64, 'a'));
  for (auto _ : state) {
    Exchange exchange;
    Response refusal;
    benchmark::DoNotOptimize(stack.router().Prepare(request, true, &exchange, &refusal));
  }
}
BENCHMARK(BM_RefusedFromHeader);

// Routing alone, as the session does before it reads a body: request id,
// content negotiation, path match, and the signature header's parse,
// staleness check and key derivation for a valid signed submission.
void BM_RouteSignedSubmit(benchmark::State& state) {
  Stack stack(true);
  Request request = MakeSubmit("route-1", Encoding::kProtobuf);
  SignRequest(&request, kAcme);
  for (auto _ : state) {
    Exchange exchange;
    Response refusal;
    if (!stack.router().Prepare(request, true, &exchange, &refusal)) state.SkipWithError("refused");
    benchmark::DoNotOptimize(exchange.route);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RouteSignedSubmit);

void BM_NegotiateBrowserAccept(benchmark::State& state) {
  const std::string accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  Encoding encoding;
  for (auto _ : state) benchmark::DoNotOptimize(NegotiateReply(accept, Encoding::kJson, &encoding));
}
BENCHMARK(BM_NegotiateBrowserAccept);

}  // namespace
}  // namespace nsw::http
