// Metrics: GET /metrics (DESIGN.md "Wire protocol") in the Prometheus text
// exposition format. It owns two kinds of figures. Transport figures (HTTP
// requests by route and status, request durations) live in a
// prometheus-cpp Registry that OnRequest feeds as requests finish. The
// simulation and journal figures are not copied into metric objects as they
// change: the domain keeps its own counters and histograms, so every scrape
// reads NswService::GetStats and counters() and turns them into metric
// families at that moment, then serializes both sets with TextSerializer.
//
// Thread-safety: OnRequest and Scrape may be called concurrently from any
// number of io threads (prometheus-cpp families and metrics are
// thread-safe; the rest is read-only after construction).
#ifndef NSW_SERVER_HTTP_METRICS_H_
#define NSW_SERVER_HTTP_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/domain/service.h"
#include "server/http/observer.h"
#include "server/http/route.h"

namespace prometheus {
class Registry;
class Histogram;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace nsw::http {

class Router;

inline constexpr std::string_view kMetricsPath = "/metrics";
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4";

struct MetricsOptions {
  // Open connections of the listener (nsw_http_open_connections). Empty
  // (the default): the gauge is not exported.
  std::function<int64_t()> open_connections;
};

class Metrics : public RequestObserver {
 public:
  // `service` must outlive the Metrics.
  Metrics(NswService* service, MetricsOptions options);
  ~Metrics() override;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Adds GET /metrics to `router` (public, like /healthz).
  // REQUIRES: before the router's first request.
  void Register(Router* router);

  void OnRequest(const CompletedRequest& request) override;

  // The whole exposition, as GET /metrics answers it.
  std::string Scrape();

 private:
  static constexpr size_t kRoutes = static_cast<size_t>(Route::kExtra) + 1;

  NswService* service_;
  MetricsOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  // One duration histogram per route, made up front so that OnRequest does
  // not look labels up for it.
  std::array<prometheus::Histogram*, kRoutes> durations_{};
  // The request counter of each (route, status 100..599), looked up in the
  // family (a label map and a hash) only the first time the pair occurs, so
  // a series appears when it first happens, as before. Racing io threads
  // may both look it up; Family::Add returns the same counter to both.
  static constexpr int kFirstStatus = 100;
  static constexpr int kStatuses = 500;
  std::array<std::atomic<prometheus::Counter*>, kRoutes * kStatuses> request_counters_{};
};

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_METRICS_H_
