// Metrics: the registry of transport figures and the per-scrape families of
// simulation and journal figures (see metrics.h).
#include "server/http/metrics.h"

#include <prometheus/client_metric.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>
#include <utility>
#include <vector>

#include "server/http/router.h"

namespace nsw::http {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Request durations run from well under a millisecond (reads) to a journal
// sync or two (durable submissions), with the tail up to seconds.
const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

MetricFamily NewFamily(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

ClientMetric Sample(MetricType type, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return metric;
}

// One sample per ministry of `field`, as a family of `type`.
template <typename Field>
MetricFamily PerMinistry(const Stats& stats, std::string name, std::string help, MetricType type, Field field) {
  MetricFamily family = NewFamily(std::move(name), std::move(help), type);
  family.metric.reserve(stats.ministries_size());
  for (const GroupStats& g : stats.ministries()) {
    family.metric.push_back(Sample(type, static_cast<double>(field(g)), {{"ministry", g.code()}}));
  }
  return family;
}

MetricFamily Single(std::string name, std::string help, MetricType type, double value) {
  MetricFamily family = NewFamily(std::move(name), std::move(help), type);
  family.metric.push_back(Sample(type, value));
  return family;
}

void AppendSimulation(const Stats& stats, std::vector<MetricFamily>* out) {
  constexpr MetricType kCounter = MetricType::Counter;
  constexpr MetricType kGauge = MetricType::Gauge;

  MetricFamily dossiers = NewFamily("nsw_dossiers_total",
                                    "Dossiers that reached a final outcome, by ministry and outcome.", kCounter);
  for (const GroupStats& g : stats.ministries()) {
    const std::pair<const char*, uint64_t> outcomes[] = {
        {"approved", g.approved()}, {"rejected", g.rejected()}, {"withdrawn", g.withdrawn()}};
    for (const auto& [outcome, n] : outcomes) {
      dossiers.metric.push_back(
          Sample(kCounter, static_cast<double>(n), {{"ministry", g.code()}, {"outcome", outcome}}));
    }
  }
  out->push_back(std::move(dossiers));
  out->push_back(PerMinistry(stats, "nsw_dossiers_open", "Dossiers not yet decided or withdrawn, by ministry.",
                             kGauge, [](const GroupStats& g) { return g.open(); }));
  out->push_back(PerMinistry(stats, "nsw_arrivals_total", "Dossiers that arrived, by ministry.", kCounter,
                             [](const GroupStats& g) { return g.arrivals(); }));
  out->push_back(PerMinistry(stats, "nsw_queue_depth", "Dossiers waiting in the ministry's queue.", kGauge,
                             [](const GroupStats& g) { return g.queue_depth(); }));
  out->push_back(PerMinistry(stats, "nsw_busy_officers", "Officers reviewing a dossier now, by ministry.", kGauge,
                             [](const GroupStats& g) { return g.busy_officers(); }));
  out->push_back(PerMinistry(stats, "nsw_officers", "Officers of the ministry.", kGauge,
                             [](const GroupStats& g) { return g.officers(); }));
  out->push_back(PerMinistry(stats, "nsw_supplements_requested_total", "Supplement requests, by ministry.",
                             kCounter, [](const GroupStats& g) { return g.supplements_requested(); }));
  out->push_back(PerMinistry(stats, "nsw_deadline_breaches_total",
                             "Dossiers decided strictly after their statutory deadline, by ministry.", kCounter,
                             [](const GroupStats& g) { return g.deadline_breaches(); }));
  out->push_back(PerMinistry(stats, "nsw_late_arrivals_total",
                             "Submissions that arrived behind the simulated clock, by ministry.", kCounter,
                             [](const GroupStats& g) { return g.late_arrivals(); }));
  out->push_back(PerMinistry(stats, "nsw_queue_visits_total", "Queue visits that started review, by ministry.",
                             kCounter, [](const GroupStats& g) { return g.queue_visits(); }));

  // The domain keeps its own wait histograms; their quantiles, count and
  // sum (mean x count) make a summary.
  MetricFamily wait = NewFamily("nsw_wait_simulated_seconds",
                                "Queue wait per visit in simulated seconds, by ministry.", MetricType::Summary);
  for (const GroupStats& g : stats.ministries()) {
    const DurationStats& w = g.wait();
    ClientMetric metric;
    metric.label = {{"ministry", g.code()}};
    metric.summary.sample_count = w.count();
    metric.summary.sample_sum = w.mean_seconds() * static_cast<double>(w.count());
    metric.summary.quantile = {{0.5, w.p50_seconds()}, {0.9, w.p90_seconds()}, {0.99, w.p99_seconds()}};
    wait.metric.push_back(std::move(metric));
  }
  out->push_back(std::move(wait));

  out->push_back(Single("nsw_refused_future_total", "Submissions refused for being too far ahead of the clock.",
                        kCounter, static_cast<double>(stats.refused_future())));
  out->push_back(Single("nsw_simulated_time_seconds", "The simulated clock, Unix seconds.", kGauge,
                        static_cast<double>(stats.sim_time_us()) / 1e6));
}

void AppendService(const NswService::Counters& c, std::vector<MetricFamily>* out) {
  constexpr MetricType kCounter = MetricType::Counter;
  constexpr MetricType kGauge = MetricType::Gauge;
  const Journal::Counters& j = c.journal;
  out->push_back(Single("nsw_journal_syncs_total", "fdatasync calls on journal segments.", kCounter,
                        static_cast<double>(j.syncs)));
  out->push_back(Single("nsw_journal_sync_seconds_total", "Wall time spent in journal fdatasync calls.", kCounter,
                        static_cast<double>(j.sync_micros_total) / 1e6));
  out->push_back(Single("nsw_journal_records_total", "Records appended to the journal since it opened.", kCounter,
                        static_cast<double>(j.records)));
  out->push_back(Single("nsw_journal_bytes_total", "Framed bytes appended to the journal since it opened.",
                        kCounter, static_cast<double>(j.bytes)));
  out->push_back(Single("nsw_journal_queued_records", "Records appended, not yet written and called back.", kGauge,
                        static_cast<double>(j.queued_records)));
  out->push_back(Single("nsw_journal_segments", "Segment files in the journal.", kGauge,
                        static_cast<double>(j.segments)));
  out->push_back(Single("nsw_journal_recovered_records", "Records read by the replay at startup.", kGauge,
                        static_cast<double>(j.recovered_records)));
  out->push_back(Single("nsw_accepted_dossiers", "Dossiers accepted and durable.", kGauge,
                        static_cast<double>(c.dossiers)));
  out->push_back(Single("nsw_pending_records", "Records appended, waiting for durability.", kGauge,
                        static_cast<double>(c.pending_records)));
  out->push_back(Single("nsw_simulation_events_total", "Simulation events processed.", kCounter,
                        static_cast<double>(c.events_processed)));
}

}  // namespace

Metrics::Metrics(NswService* service, MetricsOptions options)
    : service_(service), options_(std::move(options)), registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("nsw_http_requests_total")
                   .Help("HTTP requests answered, by route and status.")
                   .Register(*registry_);
  auto& durations = prometheus::BuildHistogram()
                        .Name("nsw_http_request_duration_seconds")
                        .Help("HTTP request duration from header read to response written, by route.")
                        .Register(*registry_);
  for (size_t i = 0; i < kRoutes; ++i) {
    durations_[i] = &durations.Add({{"route", std::string(RouteName(static_cast<Route>(i)))}}, DurationBuckets());
  }
}

Metrics::~Metrics() = default;

void Metrics::Register(Router* router) {
  router->AddRoute(bhttp::verb::get, std::string(kMetricsPath), [this](const Request&, Response* response) {
    response->result(bhttp::status::ok);
    response->set(bhttp::field::content_type, kMetricsContentType);
    response->body() = Scrape();
  });
}

void Metrics::OnRequest(const CompletedRequest& request) {
  size_t route = static_cast<size_t>(request.route);
  if (route >= kRoutes) route = 0;
  const bool cached = request.status >= kFirstStatus && request.status < kFirstStatus + kStatuses;
  std::atomic<prometheus::Counter*>* slot =
      cached ? &request_counters_[route * kStatuses + static_cast<size_t>(request.status - kFirstStatus)] : nullptr;
  prometheus::Counter* counter = slot != nullptr ? slot->load(std::memory_order_acquire) : nullptr;
  if (counter == nullptr) {
    counter = &requests_->Add({{"route", std::string(RouteName(static_cast<Route>(route)))},
                               {"status", std::to_string(request.status)}});
    if (slot != nullptr) slot->store(counter, std::memory_order_release);
  }
  counter->Increment();
  durations_[route]->Observe(static_cast<double>(request.duration_micros) / 1e6);
}

std::string Metrics::Scrape() {
  std::vector<MetricFamily> families = registry_->Collect();
  if (options_.open_connections) {
    families.push_back(Single("nsw_http_open_connections", "Connections open on the listener.",
                              MetricType::Gauge, static_cast<double>(options_.open_connections())));
  }
  Stats stats;
  service_->GetStats(&stats);
  AppendSimulation(stats, &families);
  AppendService(service_->counters(), &families);
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return std::move(out).str();
}

}  // namespace nsw::http
