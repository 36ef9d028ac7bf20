// GroupAccumulator -> nsw.GroupStats. Time averages run from the group's
// first arrival to `now`; with several parts the earliest first arrival is
// used, which is exact because a part's level is 0 before its own first
// arrival.
#include "server/domain/group_stats.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <functional>
#include <memory>

namespace nsw {

// The layout arithmetic of Histogram's constructor (proto/histogram.cc) for
// kMaxTrackedMicros; AddTo checks the two agree.
DurationAccumulator::DurationAccumulator(int significant_digits)
    : significant_digits_(std::clamp(significant_digits, 1, 5)) {
  int64_t largest_single_unit = 2;
  for (int i = 0; i < significant_digits_; ++i) largest_single_unit *= 10;
  const int magnitude = 64 - std::countl_zero(static_cast<uint64_t>(largest_single_unit - 1));
  half_magnitude_ = std::max(magnitude, 1) - 1;
  const int64_t sub_bucket_count = int64_t{1} << (half_magnitude_ + 1);
  sub_bucket_mask_ = static_cast<uint64_t>(sub_bucket_count - 1);
  int64_t smallest_untrackable = sub_bucket_count;
  int buckets = 1;
  while (smallest_untrackable <= kMaxTrackedMicros) {
    smallest_untrackable <<= 1;
    ++buckets;
  }
  counts_length_ = static_cast<size_t>(buckets + 1) << half_magnitude_;
}

void DurationAccumulator::Allocate() { counts_.reset(new uint32_t[counts_length_]()); }

void DurationAccumulator::Carry(size_t index) {
  if (carries_ == nullptr) carries_.reset(new uint64_t[counts_length_]());
  ++carries_[index];
}

void DurationAccumulator::AddTo(Histogram* h) const {
  if (count == 0) return;
  assert(h->counts_length() == static_cast<int>(counts_length_));
  const bool first = h->count() == 0;
  const int64_t before_min = h->min(), before_max = h->max();
  const auto clamp = [](int64_t v) { return std::clamp<int64_t>(v, 0, kMaxTrackedMicros); };
  // Only the indexes from the least to the greatest sample can be non-zero;
  // most of those are zero still, so the common case is a load and a test.
  const size_t first_index = CountsIndexFor(clamp(min_)), last_index = CountsIndexFor(clamp(max));
  const uint32_t* counts = counts_.get();
  if (carries_ == nullptr) {
    for (size_t i = first_index; i <= last_index; ++i) {
      if (counts[i] != 0) h->AddAtIndex(static_cast<int>(i), counts[i]);
    }
  } else {
    for (size_t i = first_index; i <= last_index; ++i) {
      const uint64_t c = counts[i] + (carries_[i] << 32);
      if (c != 0) h->AddAtIndex(static_cast<int>(i), c);
    }
  }
  // AddAtIndex leaves bucket edges as min and max; put back the exact
  // extremes a Histogram recording the clamped values would hold.
  const int64_t lo = first ? clamp(min_) : std::min(before_min, clamp(min_));
  const int64_t hi = first ? clamp(max) : std::max(before_max, clamp(max));
  h->RestoreExtremes(lo, hi, h->clamped() + clamped_);
}

int64_t DurationAccumulator::ValueAtPercentile(double percentile) const {
  // Histogram::ValueAtPercentile (proto/histogram.cc) over these counts,
  // with the Histogram's min and max: the clamped exact extremes.
  if (count == 0) return 0;
  const auto clamp = [](int64_t v) { return std::clamp<int64_t>(v, 0, kMaxTrackedMicros); };
  const int64_t lowest = clamp(min_), highest = clamp(max);
  if (!(percentile > 0.0)) return lowest;
  if (percentile >= 100.0) return highest;
  const uint64_t wanted = Histogram::RankAtPercentile(percentile, count);
  uint64_t running = 0;
  const size_t last = CountsIndexFor(highest);
  for (size_t i = CountsIndexFor(lowest); i <= last; ++i) {
    running += counts_[i] + (carries_ == nullptr ? 0 : carries_[i] << 32);
    if (running >= wanted) {
      // The index's bucket: its lowest value and width (Histogram's
      // value_at_index and HighestEquivalentValue).
      const int bucket = std::max(static_cast<int>(i >> half_magnitude_) - 1, 0);
      const int64_t half = int64_t{1} << half_magnitude_;
      int64_t sub_bucket = static_cast<int64_t>(i & static_cast<size_t>(half - 1)) + half;
      if (static_cast<int>(i >> half_magnitude_) == 0) sub_bucket -= half;
      const int64_t bucket_lowest = sub_bucket << bucket;
      return std::min(bucket_lowest + (int64_t{1} << bucket) - 1, highest);
    }
  }
  return highest;
}

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
  // A percentile never exceeds the exact maximum (the histogram reports a
  // bucket's upper edge, and clamps beyond its range). One group reads its
  // own counts; several are merged into a Histogram first.
  std::function<int64_t(double)> value_at;
  std::unique_ptr<Histogram> merged;
  if (parts.size() == 1) {
    value_at = [p = parts.front()](double percentile) { return p->ValueAtPercentile(percentile); };
  } else {
    merged = std::make_unique<Histogram>(DurationAccumulator::kMaxTrackedMicros, parts.front()->significant_digits());
    for (const DurationAccumulator* p : parts) p->AddTo(merged.get());
    value_at = [h = merged.get()](double percentile) { return h->ValueAtPercentile(percentile); };
  }
  auto pct = [&value_at, max](double p) { return static_cast<double>(std::min(value_at(p), max)) / 1e6; };
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
