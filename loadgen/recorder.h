// Recorder: one worker thread's measurements: per request kind, per
// ministry (submissions) and in total, counters and two latency histograms
// (corrected from the intended send time, uncorrected from the actual
// send), status codes and the generator's own lag; IntervalRecorder bins
// completions by wall-clock second. Histograms are allocated on first use,
// so a `url` run pays for one kind only. Not thread-safe: one per worker,
// merged after join (exact: histograms add bucket for bucket).
#ifndef NSW_LOADGEN_RECORDER_H_
#define NSW_LOADGEN_RECORDER_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "loadgen/results.h"
#include "proto/histogram.h"
#include "proto/results.pb.h"

namespace nsw::loadgen {

class Recorder {
 public:
  Recorder();
  // `ministry` < 0: none. Counts a request due inside the measured window.
  void Scheduled(RequestKind kind, int ministry);
  void Sent(RequestKind kind, int ministry);
  void Retried(RequestKind kind, int ministry);
  void Dropped(RequestKind kind, int ministry);
  // The final attempt of a measured request. `status` 0 without a response.
  void Finished(RequestKind kind, int ministry, bool transport_ok, int status, bool ok, ErrorClass error, bool repeat,
                int64_t corrected_us, int64_t uncorrected_us, uint64_t request_bytes, uint64_t response_bytes);
  void Lag(int64_t lag_us) { lag_.Record(lag_us); }

  void MergeFrom(const Recorder& other);
  // Fills total, kinds (non-empty ones, in kind order), ministries (named
  // by `ministry_names`), status codes and generator lag of `out`.
  void Export(const std::vector<std::string>& ministry_names, RunResults* out) const;

 private:
  struct Live {
    RequestStats counters;  // histograms unset
    std::unique_ptr<Histogram> latency, uncorrected;
    bool used = false;
    // Ministries keep only the corrected histogram: 13 more histograms
    // per thread would cost ~2.4 MB for a column few read.
    bool track_uncorrected = true;
    void MergeFrom(const Live& o);
    void Export(RequestStats* out) const;
  };
  Live* Ministry(int ministry);
  template <typename F>
  void Each(RequestKind kind, int ministry, F f);

  Live total_;
  std::array<Live, kRequestKindCount> kinds_;
  std::vector<std::unique_ptr<Live>> ministries_;
  std::map<int, uint64_t> status_codes_;
  Histogram lag_;
};

// Completions binned by wall-clock second.
struct IntervalBin {
  IntervalStats counters;  // latency unset
  std::unique_ptr<Histogram> latency;
};

class IntervalRecorder {
 public:
  void Sent(int64_t second);
  void Dropped(int64_t second);
  void Finished(int64_t second, bool transport_ok, bool error, int64_t corrected_us);
  // Moves out every bin of a second < `before`.
  void TakeBefore(int64_t before, std::vector<std::pair<int64_t, IntervalBin>>* out);

 private:
  IntervalBin& Bin(int64_t second);
  std::map<int64_t, IntervalBin> bins_;
};

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_RECORDER_H_
