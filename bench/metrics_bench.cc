// GET /metrics cost: one scrape (GetStats over every ministry and procedure,
// the journal counters, the HTTP registry, text serialization) with every
// procedure of the built-in catalog holding dossiers and every route having
// answered, and the per-request cost of the observer (OnRequest) that the io
// threads pay. Durability none, so no disk is involved.
#include <benchmark/benchmark.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "proto/catalog.h"
#include "server/domain/service.h"
#include "server/http/metrics.h"
#include "server/journal/env.h"

namespace nsw::http {
namespace {

class PopulatedService {
 public:
  PopulatedService()
      : log_(std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_mt>())),
        env_(NewPosixEnv()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "nsw-metrics-bench-XXXXXX").string();
    dir_ = mkdtemp(pattern.data()) ? pattern : "/tmp";
    (void)Catalog::Default(&catalog_);
    ServiceOptions options;
    options.journal.dir = dir_;
    options.journal.durability = Durability::kNone;
    service_ = std::make_unique<NswService>(catalog_, options, env_.get(), log_.get());
    (void)service_->Start();
    // Three dossiers in every procedure, so every group of the stats is populated.
    for (int i = 0; i < catalog_.procedure_count(); ++i) {
      for (int k = 0; k < 3; ++k) {
        SubmitRequest request;
        request.set_procedure(catalog_.procedure(i).code());
        request.set_client_ref("bench-" + std::to_string(i) + "-" + std::to_string(k));
        request.set_payload("payload");
        std::promise<void> done;
        service_->Submit("0100000001", request, [&done](const Result&, const SubmitReply&) { done.set_value(); });
        done.get_future().wait();
      }
    }
  }
  ~PopulatedService() {
    service_->Stop();
    service_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  NswService* service() { return service_.get(); }
  int procedures() const { return catalog_.procedure_count(); }

 private:
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<Env> env_;
  std::string dir_;
  Catalog catalog_;
  std::unique_ptr<NswService> service_;
};

// Every route with a few statuses, as a server that has been up a while shows.
void FeedRequests(Metrics* metrics) {
  const int statuses[] = {200, 202, 400, 401, 404, 409, 503};
  for (int r = 0; r <= static_cast<int>(Route::kExtra); ++r) {
    for (int s : statuses) {
      CompletedRequest request;
      request.route = static_cast<Route>(r);
      request.status = s;
      request.duration_micros = 100 * (r + 1);
      metrics->OnRequest(request);
    }
  }
}

void BM_MetricsScrape(benchmark::State& state) {
  PopulatedService populated;
  MetricsOptions options;
  options.open_connections = [] { return int64_t{12}; };
  Metrics metrics(populated.service(), options);
  FeedRequests(&metrics);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string text = metrics.Scrape();
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["procedures"] = populated.procedures();
  state.counters["scrape_bytes"] = static_cast<double>(bytes);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_MetricsScrape)->Unit(benchmark::kMicrosecond);

void BM_MetricsOnRequest(benchmark::State& state) {
  PopulatedService populated;
  Metrics metrics(populated.service(), MetricsOptions());
  CompletedRequest request;
  request.route = Route::kSubmit;
  request.status = 202;
  request.duration_micros = 850;
  for (auto _ : state) metrics.OnRequest(request);
}
BENCHMARK(BM_MetricsOnRequest);

}  // namespace
}  // namespace nsw::http
