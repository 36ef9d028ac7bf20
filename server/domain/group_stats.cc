// GroupAccumulator -> nsw.GroupStats. Time averages run from the group's
// first arrival to `now`; with several parts the earliest first arrival is
// used, which is exact because a part's level is 0 before its own first
// arrival.
#include "server/domain/group_stats.h"

#include <algorithm>

namespace nsw {
namespace {

void FillDuration(const std::vector<const DurationAccumulator*>& parts, DurationStats* out) {
  uint64_t count = 0;
  __int128 sum = 0;
  int64_t max = 0;
  for (const DurationAccumulator* p : parts) {
    count += p->count;
    sum += p->sum;
    max = std::max(max, p->max);
  }
  out->set_count(count);
  if (count == 0) return;
  out->set_mean_seconds(static_cast<double>(sum) / static_cast<double>(count) / 1e6);
  out->set_max_seconds(static_cast<double>(max) / 1e6);
  const Histogram* h = &parts.front()->histogram;
  Histogram merged(h->highest_trackable(), h->significant_digits());
  if (parts.size() > 1) {
    for (const DurationAccumulator* p : parts) merged.Merge(p->histogram);
    h = &merged;
  }
  // A percentile never exceeds the exact maximum (the histogram reports a
  // bucket's upper edge, and clamps beyond its range).
  auto pct = [h, max](double p) { return static_cast<double>(std::min(h->ValueAtPercentile(p), max)) / 1e6; };
  out->set_p50_seconds(pct(50));
  out->set_p90_seconds(pct(90));
  out->set_p99_seconds(pct(99));
}

}  // namespace

void FillGroupStats(const std::vector<const GroupAccumulator*>& parts, int64_t now, const std::string& code,
                    uint32_t officers, GroupStats* out) {
  out->Clear();
  out->set_code(code);
  out->set_officers(officers);
  int64_t first = std::numeric_limits<int64_t>::max();
  __int128 queue_area = 0, busy_area = 0, open_area = 0;
  int64_t queue = 0, busy = 0, open = 0;
  std::vector<const DurationAccumulator*> waits, decisions;
  for (const GroupAccumulator* g : parts) {
    out->set_arrivals(out->arrivals() + g->arrivals);
    out->set_late_arrivals(out->late_arrivals() + g->late_arrivals);
    out->set_approved(out->approved() + g->approved);
    out->set_rejected(out->rejected() + g->rejected);
    out->set_supplements_requested(out->supplements_requested() + g->supplements_requested);
    out->set_withdrawn(out->withdrawn() + g->withdrawn);
    out->set_deadline_breaches(out->deadline_breaches() + g->deadline_breaches);
    out->set_queue_visits(out->queue_visits() + g->queue_visits);
    out->set_waited(out->waited() + g->waited);
    first = std::min(first, g->first_arrival);
    queue_area += g->queue.AreaAt(now);
    busy_area += g->busy.AreaAt(now);
    open_area += g->open.AreaAt(now);
    queue += g->queue.value;
    busy += g->busy.value;
    open += g->open.value;
    waits.push_back(&g->wait);
    decisions.push_back(&g->time_to_decision);
  }
  out->set_queue_depth(static_cast<uint64_t>(queue));
  out->set_busy_officers(static_cast<uint32_t>(busy));
  out->set_open(static_cast<uint64_t>(open));
  if (first < now) {
    const double span = static_cast<double>(now - first);
    out->set_mean_queue_depth(static_cast<double>(queue_area) / span);
    out->set_mean_busy_officers(static_cast<double>(busy_area) / span);
    out->set_mean_open(static_cast<double>(open_area) / span);
  }
  if (!parts.empty()) {
    FillDuration(waits, out->mutable_wait());
    FillDuration(decisions, out->mutable_time_to_decision());
  }
}

}  // namespace nsw
