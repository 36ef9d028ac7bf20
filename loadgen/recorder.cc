// Recorder and IntervalRecorder (see recorder.h).
#include "loadgen/recorder.h"

namespace nsw::loadgen {

Recorder::Recorder() : lag_(NewLatencyHistogram()) {}

void Recorder::Live::MergeFrom(const Live& o) {
  if (!o.used) return;
  used = true;
  RequestStats merged = counters;
  MergeRequestStats(o.counters, &merged);  // counters only: histograms unset
  counters = std::move(merged);
  if (o.latency) {
    if (!latency) latency = std::make_unique<Histogram>(NewLatencyHistogram());
    latency->Merge(*o.latency);
  }
  if (o.uncorrected) {
    if (!uncorrected) uncorrected = std::make_unique<Histogram>(NewLatencyHistogram());
    uncorrected->Merge(*o.uncorrected);
  }
}

void Recorder::Live::Export(RequestStats* out) const {
  *out = counters;
  HistogramToProto(latency ? *latency : NewLatencyHistogram(), out->mutable_latency());
  if (track_uncorrected) {
    HistogramToProto(uncorrected ? *uncorrected : NewLatencyHistogram(), out->mutable_uncorrected());
  }
}

Recorder::Live* Recorder::Ministry(int ministry) {
  if (ministry < 0) return nullptr;
  if (static_cast<size_t>(ministry) >= ministries_.size()) ministries_.resize(static_cast<size_t>(ministry) + 1);
  auto& m = ministries_[static_cast<size_t>(ministry)];
  if (!m) {
    m = std::make_unique<Live>();
    m->track_uncorrected = false;
  }
  return m.get();
}

template <typename F>
void Recorder::Each(RequestKind kind, int ministry, F f) {
  f(total_);
  f(kinds_[static_cast<size_t>(kind)]);
  if (kind == RequestKind::kSubmit) {
    if (Live* m = Ministry(ministry)) f(*m);
  }
}

void Recorder::Scheduled(RequestKind kind, int ministry) {
  Each(kind, ministry, [](Live& l) {
    l.used = true;
    l.counters.set_scheduled(l.counters.scheduled() + 1);
  });
}

void Recorder::Sent(RequestKind kind, int ministry) {
  Each(kind, ministry, [&](Live& l) {
    l.used = true;
    l.counters.set_sent(l.counters.sent() + 1);
  });
}

void Recorder::Retried(RequestKind kind, int ministry) {
  Each(kind, ministry, [](Live& l) { l.counters.set_retries(l.counters.retries() + 1); });
}

void Recorder::Dropped(RequestKind kind, int ministry) {
  Each(kind, ministry, [](Live& l) {
    l.used = true;
    AddError(l.counters.mutable_errors(), ErrorClass::kDropped);
  });
}

void Recorder::Finished(RequestKind kind, int ministry, bool transport_ok, int status, bool ok, ErrorClass error,
                        bool repeat, int64_t corrected_us, int64_t uncorrected_us, uint64_t request_bytes,
                        uint64_t response_bytes) {
  if (transport_ok) ++status_codes_[status];
  Each(kind, ministry, [&](Live& l) {
    l.used = true;
    auto& c = l.counters;
    c.set_request_bytes(c.request_bytes() + request_bytes);
    if (transport_ok) {
      c.set_responses(c.responses() + 1);
      c.set_response_bytes(c.response_bytes() + response_bytes);
      // Latency of every response, as wrk2 does; transport failures have none.
      if (!l.latency) l.latency = std::make_unique<Histogram>(NewLatencyHistogram());
      l.latency->Record(corrected_us);
      if (l.track_uncorrected) {
        if (!l.uncorrected) l.uncorrected = std::make_unique<Histogram>(NewLatencyHistogram());
        l.uncorrected->Record(uncorrected_us);
      }
    }
    if (ok) {
      c.set_ok(c.ok() + 1);
      if (repeat) c.set_repeats(c.repeats() + 1);
    } else {
      AddError(c.mutable_errors(), error);
    }
  });
}

void Recorder::MergeFrom(const Recorder& other) {
  total_.MergeFrom(other.total_);
  for (size_t k = 0; k < kinds_.size(); ++k) kinds_[k].MergeFrom(other.kinds_[k]);
  for (size_t m = 0; m < other.ministries_.size(); ++m) {
    if (other.ministries_[m]) Ministry(static_cast<int>(m))->MergeFrom(*other.ministries_[m]);
  }
  for (const auto& [code, count] : other.status_codes_) status_codes_[code] += count;
  lag_.Merge(other.lag_);
}

void Recorder::Export(const std::vector<std::string>& ministry_names, RunResults* out) const {
  total_.Export(out->mutable_total());
  out->mutable_total()->set_name("total");
  out->clear_kinds();
  for (int k = 0; k < kRequestKindCount; ++k) {
    if (!kinds_[static_cast<size_t>(k)].used) continue;
    RequestStats* s = out->add_kinds();
    kinds_[static_cast<size_t>(k)].Export(s);
    s->set_name(std::string(RequestKindName(static_cast<RequestKind>(k))));
  }
  out->clear_ministries();
  for (size_t m = 0; m < ministries_.size(); ++m) {
    if (!ministries_[m] || !ministries_[m]->used) continue;
    RequestStats* s = out->add_ministries();
    ministries_[m]->Export(s);
    s->set_name(m < ministry_names.size() ? ministry_names[m] : "ministry-" + std::to_string(m));
  }
  out->clear_status_codes();
  for (const auto& [code, count] : status_codes_) (*out->mutable_status_codes())[code] = count;
  HistogramToProto(lag_, out->mutable_generator_lag());
}

// ---------------------------------------------------------------- intervals

IntervalBin& IntervalRecorder::Bin(int64_t second) {
  auto& bin = bins_[second];
  if (!bin.latency) {
    bin.latency = std::make_unique<Histogram>(NewLatencyHistogram());
    bin.counters.set_unix_second(second);
  }
  return bin;
}

void IntervalRecorder::Sent(int64_t second) {
  auto& c = Bin(second).counters;
  c.set_sent(c.sent() + 1);
}

void IntervalRecorder::Dropped(int64_t second) {
  auto& c = Bin(second).counters;
  c.set_dropped(c.dropped() + 1);
}

void IntervalRecorder::Finished(int64_t second, bool transport_ok, bool error, int64_t corrected_us) {
  auto& bin = Bin(second);
  auto& c = bin.counters;
  if (transport_ok) {
    c.set_responses(c.responses() + 1);
    bin.latency->Record(corrected_us);
  }
  if (error) {
    c.set_errors(c.errors() + 1);
  } else {
    c.set_ok(c.ok() + 1);
  }
}

void IntervalRecorder::TakeBefore(int64_t before, std::vector<std::pair<int64_t, IntervalBin>>* out) {
  while (!bins_.empty() && bins_.begin()->first < before) {
    out->emplace_back(bins_.begin()->first, std::move(bins_.begin()->second));
    bins_.erase(bins_.begin());
  }
}

}  // namespace nsw::loadgen
