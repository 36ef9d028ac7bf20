// GenerateTrace (see trace_gen.h).
#include "loadgen/trace_gen.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <queue>
#include <string>
#include <vector>

#include "loadgen/random.h"
#include "proto/units.h"

namespace nsw::loadgen {
namespace {

// Random streams of one seed: day d draws its arrivals from stream
// kDayStream + d and its noise factor from kNoiseStream + d.
constexpr uint64_t kNoiseStream = 1ULL << 40;
constexpr uint64_t kDayStream = 2ULL << 40;
constexpr uint64_t kFloorStream = 3ULL << 40;
// With fewer dossiers than days, at most this many days in a row may stay
// empty: the next record then comes less than 7 days after the previous.
constexpr uint32_t kMaxEmptyRun = 5;

// Days that get one floor record (see GenOptions::daily_floor), taking
// that record from the fullest days so the total stays exact; `counts`
// is adjusted. Nothing when the trace is too small to move records.
std::vector<bool> PlaceFloor(uint64_t dossiers, std::vector<uint64_t>* counts) {
  const size_t days = counts->size();
  const uint32_t max_empty = dossiers >= days ? 0 : kMaxEmptyRun;
  std::vector<bool> floor(days, false);
  uint64_t floors = 0;
  uint32_t run = 0;
  for (size_t d = 0; d < days; ++d) {
    if ((*counts)[d] > 0) {
      run = 0;
    } else if (run < max_empty) {
      ++run;
    } else {
      floor[d] = true;
      ++floors;
      run = 0;
    }
  }
  uint64_t spare = 0;  // records that can move without emptying a day
  for (uint64_t c : *counts) spare += c > 1 ? c - 1 : 0;
  if (floors == 0 || spare < floors) return std::vector<bool>(days, false);
  // Fullest first; ties to the earlier day (deterministic).
  std::priority_queue<std::pair<uint64_t, int64_t>> fullest;
  for (size_t d = 0; d < days; ++d) fullest.emplace((*counts)[d], -static_cast<int64_t>(d));
  for (uint64_t i = 0; i < floors; ++i) {
    auto [c, neg_day] = fullest.top();
    fullest.pop();
    (*counts)[static_cast<size_t>(-neg_day)] = c - 1;
    fullest.emplace(c - 1, neg_day);
  }
  for (size_t d = 0; d < days; ++d) {
    if (floor[d]) (*counts)[d] = 1;
  }
  return floor;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Status GenerateTrace(const GenOptions& options, const Catalog& catalog, TraceSink* sink) {
  if (options.enterprises == 0) return Status::InvalidArgument("--enterprises must be at least 1");
  if (options.days == 0) return Status::InvalidArgument("--days must be at least 1");
  std::vector<double> popularity;
  double total_popularity = 0;
  for (int i = 0; i < catalog.procedure_count(); ++i) {
    const double p = std::max(0.0, catalog.procedure(i).popularity());
    popularity.push_back(p);
    total_popularity += p;
  }
  if (total_popularity <= 0) {
    return Status::InvalidArgument("the catalog has no procedure with a positive popularity");
  }

  const int64_t offset_us = int64_t{options.seasonality.utc_offset_minutes} * 60 * kMicrosPerSecond;
  // Local midnight at or before the requested start.
  const int64_t first_local_day = FloorDiv(options.start_us + offset_us, kMicrosPerDay);
  const int64_t start_us = first_local_day * kMicrosPerDay - offset_us;

  std::vector<std::string> holidays(catalog.proto().holidays().begin(), catalog.proto().holidays().end());
  Seasonality season;
  Status s = Seasonality::Create(options.seasonality, holidays, first_local_day, &season);
  if (!s.ok()) return s;

  // Day weights with noise, then exact per-day counts.
  std::vector<double> cumulative(options.days);
  double total = 0;
  for (uint32_t d = 0; d < options.days; ++d) {
    Rng noise(options.seed, kNoiseStream + d);
    const double factor = options.daily_noise_cv > 0 ? noise.LogNormal(1.0, options.daily_noise_cv) : 1.0;
    total += season.DayWeight(first_local_day + d) * factor;
    cumulative[d] = total;
  }

  TraceHeader header;
  header.set_seed(options.seed);
  header.set_dossiers(options.dossiers);
  header.set_enterprises(options.enterprises);
  header.set_days(options.days);
  header.set_start_us(start_us);
  header.set_utc_offset_minutes(options.seasonality.utc_offset_minutes);
  header.set_catalog_fingerprint(catalog.fingerprint());
  for (int i = 0; i < catalog.procedure_count(); ++i) header.add_procedures(catalog.procedure(i).code());
  header.set_source("gen");
  s = sink->WriteHeader(header);
  if (!s.ok()) return s;

  const AliasTable enterprises(ZipfWeights(options.enterprises, options.zipf_exponent));
  const AliasTable procedures(popularity);
  // Floor records: procedures of ministries that work around the clock
  // (customs, transport), which have traffic on every day of the year.
  std::vector<double> always_popularity(popularity.size(), 0);
  double always_total = 0;
  for (size_t i = 0; i < popularity.size(); ++i) {
    const int ministry = catalog.ministry_of(static_cast<int>(i));
    if (catalog.ministry(ministry).calendar().kind() == Calendar::ALWAYS) {
      always_popularity[i] = popularity[i];
      always_total += popularity[i];
    }
  }
  const AliasTable always_procedures(always_total > 0 ? always_popularity : popularity);
  std::vector<double> hours(season.hour_weights().begin(), season.hour_weights().end());
  const AliasTable hour_table(hours);

  const auto n = static_cast<double>(options.dossiers);
  std::vector<uint64_t> counts(options.days);
  uint64_t assigned = 0;
  for (uint32_t d = 0; d < options.days; ++d) {
    const uint64_t upto = d + 1 == options.days
                              ? options.dossiers
                              : static_cast<uint64_t>(std::floor(n * cumulative[d] / total + 0.5));
    counts[d] = upto > assigned ? upto - assigned : 0;
    assigned += counts[d];
  }
  const std::vector<bool> floor =
      options.daily_floor ? PlaceFloor(options.dossiers, &counts) : std::vector<bool>(options.days, false);

  uint64_t index = 0;
  std::vector<int64_t> times;
  TraceRecord record;
  for (uint32_t d = 0; d < options.days; ++d) {
    const uint64_t count = counts[d];
    Rng rng(options.seed, (floor[d] ? kFloorStream : kDayStream) + d);
    times.resize(count);
    for (auto& t : times) {
      if (floor[d]) {
        t = static_cast<int64_t>(rng.Below(kMicrosPerDay));  // around the clock
        continue;
      }
      const int64_t hour = hour_table.Pick(rng);
      t = hour * kMicrosPerHour + static_cast<int64_t>(rng.Below(kMicrosPerHour));
    }
    std::sort(times.begin(), times.end());
    const int64_t day_offset = int64_t{d} * kMicrosPerDay;
    for (int64_t t : times) {
      const uint32_t procedure = floor[d] ? always_procedures.Pick(rng) : procedures.Pick(rng);
      const double size = rng.Sample(catalog.procedure(static_cast<int>(procedure)).payload_bytes());
      record.set_at_us(day_offset + t);
      record.set_enterprise(enterprises.Pick(rng));
      record.set_procedure(procedure);
      char ref[24];
      std::snprintf(ref, sizeof ref, "d%llu", static_cast<unsigned long long>(index));
      record.set_client_ref(ref);
      record.set_payload_bytes(static_cast<uint32_t>(
          std::clamp(std::llround(size), 1LL, static_cast<long long>(std::max(1u, options.max_payload_bytes)))));
      s = sink->Append(record);
      if (!s.ok()) return s;
      ++index;
    }
  }
  return Status::OK();
}

}  // namespace nsw::loadgen
