// Results arithmetic and files (see results.h).
#include "loadgen/results.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace nsw::loadgen {

#ifndef NSW_VERSION
#define NSW_VERSION "0.0.0"
#endif

std::string_view ToolVersion() { return NSW_VERSION; }

std::string_view RequestKindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kSubmit: return "submit";
    case RequestKind::kPoll: return "poll";
    case RequestKind::kPay: return "pay";
    case RequestKind::kSupplement: return "supplement";
    case RequestKind::kWithdraw: return "withdraw";
    case RequestKind::kUrl: return "url";
  }
  return "?";
}

std::string_view ErrorClassName(ErrorClass error) {
  switch (error) {
    case ErrorClass::kConnect: return "connect";
    case ErrorClass::kTimeout: return "timeout";
    case ErrorClass::kReset: return "reset";
    case ErrorClass::kOther: return "other";
    case ErrorClass::kStatus4xx: return "4xx";
    case ErrorClass::kStatus5xx: return "5xx";
    case ErrorClass::kDuplicate: return "duplicate";
    case ErrorClass::kDropped: return "dropped";
    case ErrorClass::kBadResponse: return "bad_response";
    case ErrorClass::kUnexpectedStatus: return "unexpected_status";
  }
  return "?";
}

void AddError(ErrorCounts* c, ErrorClass error, uint64_t n) {
  switch (error) {
    case ErrorClass::kConnect: c->set_connect(c->connect() + n); break;
    case ErrorClass::kTimeout: c->set_timeout(c->timeout() + n); break;
    case ErrorClass::kReset: c->set_reset(c->reset() + n); break;
    case ErrorClass::kOther: c->set_other(c->other() + n); break;
    case ErrorClass::kStatus4xx: c->set_status_4xx(c->status_4xx() + n); break;
    case ErrorClass::kStatus5xx: c->set_status_5xx(c->status_5xx() + n); break;
    case ErrorClass::kDuplicate: c->set_duplicate(c->duplicate() + n); break;
    case ErrorClass::kDropped: c->set_dropped(c->dropped() + n); break;
    case ErrorClass::kBadResponse: c->set_bad_response(c->bad_response() + n); break;
    case ErrorClass::kUnexpectedStatus: c->set_unexpected_status(c->unexpected_status() + n); break;
  }
}

uint64_t ErrorCount(const ErrorCounts& c, ErrorClass error) {
  switch (error) {
    case ErrorClass::kConnect: return c.connect();
    case ErrorClass::kTimeout: return c.timeout();
    case ErrorClass::kReset: return c.reset();
    case ErrorClass::kOther: return c.other();
    case ErrorClass::kStatus4xx: return c.status_4xx();
    case ErrorClass::kStatus5xx: return c.status_5xx();
    case ErrorClass::kDuplicate: return c.duplicate();
    case ErrorClass::kDropped: return c.dropped();
    case ErrorClass::kBadResponse: return c.bad_response();
    case ErrorClass::kUnexpectedStatus: return c.unexpected_status();
  }
  return 0;
}

uint64_t TotalErrors(const ErrorCounts& c, bool with_dropped) {
  uint64_t total = 0;
  for (int i = 0; i < kErrorClassCount; ++i) {
    const auto e = static_cast<ErrorClass>(i);
    if (e == ErrorClass::kDropped && !with_dropped) continue;
    total += ErrorCount(c, e);
  }
  return total;
}

void AddErrorCounts(const ErrorCounts& from, ErrorCounts* to) {
  for (int i = 0; i < kErrorClassCount; ++i) {
    const auto e = static_cast<ErrorClass>(i);
    AddError(to, e, ErrorCount(from, e));
  }
}

// ---------------------------------------------------------------- histograms

void HistogramToProto(const Histogram& h, HistogramData* out) {
  out->Clear();
  out->set_highest_trackable(h.highest_trackable());
  out->set_significant_digits(h.significant_digits());
  out->set_total_count(h.count());
  out->set_min(h.min());
  out->set_max(h.max());
  out->set_clamped(h.clamped());
  for (int i = 0; i < h.counts_length(); ++i) {
    if (h.count_at_index(i) != 0) {
      out->add_bucket_index(static_cast<uint32_t>(i));
      out->add_bucket_count(h.count_at_index(i));
    }
  }
}

Status HistogramFromProto(const HistogramData& data, Histogram* out) {
  if (data.highest_trackable() == 0 && data.total_count() == 0 && data.bucket_index_size() == 0) {
    *out = NewLatencyHistogram();
    return Status::OK();
  }
  if (data.highest_trackable() < 2 || data.significant_digits() < 1 || data.significant_digits() > 5) {
    return Status::Corruption("histogram with an invalid layout (highest " + std::to_string(data.highest_trackable()) +
                              ", digits " + std::to_string(data.significant_digits()) + ")");
  }
  if (data.bucket_index_size() != data.bucket_count_size()) {
    return Status::Corruption("histogram with mismatched bucket_index and bucket_count");
  }
  Histogram h(data.highest_trackable(), data.significant_digits());
  int previous = -1;
  for (int i = 0; i < data.bucket_index_size(); ++i) {
    const int index = static_cast<int>(data.bucket_index(i));
    if (index <= previous || index >= h.counts_length()) {
      return Status::Corruption("histogram bucket index " + std::to_string(data.bucket_index(i)) +
                                " out of order or out of range");
    }
    previous = index;
    h.AddAtIndex(index, data.bucket_count(i));
  }
  if (h.count() != data.total_count()) {
    return Status::Corruption("histogram buckets sum to " + std::to_string(h.count()) + " but total_count is " +
                              std::to_string(data.total_count()));
  }
  h.RestoreExtremes(data.min(), data.max(), data.clamped());
  *out = std::move(h);
  return Status::OK();
}

Status MergeHistogramData(const HistogramData& from, HistogramData* into) {
  if (from.total_count() == 0 && from.highest_trackable() == 0) return Status::OK();
  Histogram a, b;
  Status s = HistogramFromProto(*into, &a);
  if (!s.ok()) return s;
  s = HistogramFromProto(from, &b);
  if (!s.ok()) return s;
  if (into->highest_trackable() == 0) a = Histogram(b.highest_trackable(), b.significant_digits());
  if (!a.SameLayout(b)) return Status::Corruption("cannot merge histograms of different layouts exactly");
  a.Merge(b);
  HistogramToProto(a, into);
  return Status::OK();
}

// ---------------------------------------------------------------- merging

Status MergeRequestStats(const RequestStats& from, RequestStats* into) {
  if (into->name().empty()) into->set_name(from.name());
  into->set_scheduled(into->scheduled() + from.scheduled());
  into->set_sent(into->sent() + from.sent());
  into->set_responses(into->responses() + from.responses());
  into->set_ok(into->ok() + from.ok());
  into->set_retries(into->retries() + from.retries());
  into->set_repeats(into->repeats() + from.repeats());
  into->set_request_bytes(into->request_bytes() + from.request_bytes());
  into->set_response_bytes(into->response_bytes() + from.response_bytes());
  AddErrorCounts(from.errors(), into->mutable_errors());
  Status s = MergeHistogramData(from.latency(), into->mutable_latency());
  if (!s.ok()) return s;
  return MergeHistogramData(from.uncorrected(), into->mutable_uncorrected());
}

namespace {

Status MergeNamed(const google::protobuf::RepeatedPtrField<RequestStats>& from,
                  google::protobuf::RepeatedPtrField<RequestStats>* into) {
  for (const auto& part : from) {
    RequestStats* target = nullptr;
    for (auto& existing : *into) {
      if (existing.name() == part.name()) target = &existing;
    }
    if (target == nullptr) {
      target = into->Add();
      target->set_name(part.name());
    }
    Status s = MergeRequestStats(part, target);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// "K/N" -> (K, N); (0, 0) when malformed.
std::pair<int, int> SplitShard(const std::string& text) {
  int k = 0, n = 0;
  if (std::sscanf(text.c_str(), "%d/%d", &k, &n) != 2) return {0, 0};
  return {k, n};
}

}  // namespace

Status MergeResults(const RunResults& part, RunResults* into) {
  if (!part.format().empty() && part.format() != kResultsFormat) {
    return Status::InvalidArgument("results format '" + part.format() + "' is not " + std::string(kResultsFormat));
  }
  const bool first = into->parts() == 0;
  if (first) {
    // Everything descriptive from the first part.
    *into = part;
    into->clear_intervals();
    into->clear_thresholds();
    into->set_parts(0);
    into->clear_total();
    into->clear_kinds();
    into->clear_ministries();
    into->clear_status_codes();
    into->clear_generator_lag();
    into->clear_shards();
    into->clear_warnings();
    into->clear_failures();
    into->clear_threads();
    into->clear_connections();
    into->clear_start_unix_us();
    into->clear_end_unix_us();
    into->clear_server_late_arrivals();
    into->clear_generator_lag_warnings();
  } else {
    if (part.target() != into->target()) {
      into->add_warnings("merged parts ran against different targets (" + into->target() + ", " + part.target() + ")");
    }
    if (part.run_id() != into->run_id()) {
      into->add_warnings("merged parts have different run ids (" + into->run_id() + ", " + part.run_id() + ")");
    }
  }
  const uint32_t part_count = std::max<uint32_t>(part.parts(), 1);
  into->set_parts(into->parts() + part_count);
  for (const auto& shard : part.shards()) into->add_shards(shard);
  into->set_threads(into->threads() + part.threads());
  into->set_connections(into->connections() + part.connections());
  if (into->start_unix_us() == 0 || (part.start_unix_us() != 0 && part.start_unix_us() < into->start_unix_us())) {
    into->set_start_unix_us(part.start_unix_us());
  }
  into->set_end_unix_us(std::max(into->end_unix_us(), part.end_unix_us()));
  into->set_server_late_arrivals(std::max(into->server_late_arrivals(), part.server_late_arrivals()));
  into->set_generator_lag_warnings(into->generator_lag_warnings() + part.generator_lag_warnings());

  // Shards of one schedule share its global target rate; independent
  // generators (no common N) add theirs.
  if (!first) {
    std::set<int> indexes;
    int common_n = -1;
    bool shards_of_one = true;
    for (const auto& s : into->shards()) {
      auto [k, n] = SplitShard(s);
      if (n <= 1 || (common_n != -1 && n != common_n) || !indexes.insert(k).second) shards_of_one = false;
      common_n = n;
    }
    if (shards_of_one) {
      into->set_target_rate(std::max(into->target_rate(), part.target_rate()));
    } else {
      into->set_target_rate(into->target_rate() + part.target_rate());
    }
  }

  Status s = MergeRequestStats(part.total(), into->mutable_total());
  if (!s.ok()) return s;
  s = MergeNamed(part.kinds(), into->mutable_kinds());
  if (!s.ok()) return s;
  s = MergeNamed(part.ministries(), into->mutable_ministries());
  if (!s.ok()) return s;
  for (const auto& [code, count] : part.status_codes()) (*into->mutable_status_codes())[code] += count;
  s = MergeHistogramData(part.generator_lag(), into->mutable_generator_lag());
  if (!s.ok()) return s;

  // Intervals by absolute second: both lists are sorted; merge them.
  std::map<int64_t, IntervalStats> by_second;
  for (const auto& i : into->intervals()) by_second[i.unix_second()] = i;
  for (const auto& i : part.intervals()) {
    auto [it, fresh] = by_second.emplace(i.unix_second(), i);
    if (fresh) continue;
    IntervalStats& t = it->second;
    t.set_responses(t.responses() + i.responses());
    t.set_ok(t.ok() + i.ok());
    t.set_errors(t.errors() + i.errors());
    t.set_dropped(t.dropped() + i.dropped());
    t.set_sent(t.sent() + i.sent());
    s = MergeHistogramData(i.latency(), t.mutable_latency());
    if (!s.ok()) return s;
  }
  into->clear_intervals();
  for (auto& [second, interval] : by_second) *into->add_intervals() = std::move(interval);

  const std::string prefix = part.shards().empty() ? std::string() : "[" + part.shards(0) + "] ";
  for (const auto& w : part.warnings()) into->add_warnings(first ? w : prefix + w);
  for (const auto& f : part.failures()) into->add_failures(first ? f : prefix + f);
  return Status::OK();
}

// ---------------------------------------------------------------- files

namespace {

google::protobuf::util::JsonPrintOptions PrintOptions(bool pretty) {
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = pretty;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = false;
  return o;
}

}  // namespace

Status WriteResultsJson(const RunResults& results, const std::string& path, const IntervalSource& more_intervals) {
  std::string text;
  auto st = google::protobuf::util::MessageToJsonString(results, &text, PrintOptions(true));
  if (!st.ok()) return Status::InvalidArgument("cannot encode results: " + std::string(st.message()));
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError("cannot create " + tmp + ": " + std::strerror(errno));
  if (!more_intervals) {
    out << text;
  } else {
    // Splice the streamed intervals in as a JSON array before the final
    // brace (or after the ones already in `results`).
    const size_t close = text.rfind('}');
    std::string head = text.substr(0, close);
    while (!head.empty() && (head.back() == '\n' || head.back() == ' ')) head.pop_back();
    const bool had_intervals = results.intervals_size() > 0;
    if (had_intervals) {
      // Re-encode without them and put every interval in one array.
      RunResults copy = results;
      copy.clear_intervals();
      text.clear();
      google::protobuf::util::MessageToJsonString(copy, &text, PrintOptions(true));
      head = text.substr(0, text.rfind('}'));
      while (!head.empty() && (head.back() == '\n' || head.back() == ' ')) head.pop_back();
    }
    out << head << ",\n \"intervals\": [";
    bool first = true;
    std::string line;
    auto emit = [&](const IntervalStats& interval) -> Status {
      line.clear();
      auto s2 = google::protobuf::util::MessageToJsonString(interval, &line, PrintOptions(false));
      if (!s2.ok()) return Status::InvalidArgument("cannot encode an interval: " + std::string(s2.message()));
      out << (first ? "\n  " : ",\n  ") << line;
      first = false;
      return Status::OK();
    };
    for (const auto& interval : results.intervals()) {
      Status s = emit(interval);
      if (!s.ok()) return s;
    }
    IntervalStats next;
    for (;;) {
      bool end = false;
      next.Clear();
      Status s = more_intervals(&next, &end);
      if (!s.ok()) return s;
      if (end) break;
      s = emit(next);
      if (!s.ok()) return s;
    }
    out << "\n ]\n}\n";
  }
  out.close();
  if (!out) return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IoError("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  return Status::OK();
}

Status ReadResultsJson(const std::string& path, RunResults* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  out->Clear();
  auto st = google::protobuf::util::JsonStringToMessage(buffer.str(), out, options);
  if (!st.ok()) return Status::InvalidArgument(path + ": not a results file: " + std::string(st.message()));
  if (out->format() != kResultsFormat) {
    return Status::InvalidArgument(path + ": not an nsw-loadgen results file (format '" + out->format() + "')");
  }
  return Status::OK();
}

// ---------------------------------------------------------------- figures

double WindowSeconds(const RunResults& r) {
  const double s = static_cast<double>(r.end_unix_us() - r.start_unix_us()) / 1e6;
  return s > 1e-6 ? s : 1e-6;
}

double AchievedRate(const RunResults& r) { return static_cast<double>(r.total().responses()) / WindowSeconds(r); }

double ErrorPercent(const RequestStats& s) {
  const uint64_t attempted = s.sent() + s.errors().dropped();
  if (attempted == 0) return 0;
  return 100.0 * static_cast<double>(TotalErrors(s.errors(), true)) / static_cast<double>(attempted);
}

const RequestStats* FindStats(const RunResults& r, std::string_view name) {
  if (name == "total" || name.empty()) return &r.total();
  for (const auto& k : r.kinds()) {
    if (k.name() == name) return &k;
  }
  for (const auto& m : r.ministries()) {
    if (m.name() == name) return &m;
  }
  return nullptr;
}

}  // namespace nsw::loadgen
