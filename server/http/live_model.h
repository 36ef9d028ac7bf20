// The live dashboard's figures without any transport: LiveModel turns the
// successive Stats snapshots that LiveFeed takes about once a second into the
// JSON frames that GET /v1/live pushes (rates per wall second from the last
// two snapshots; a recent window for the Erlang C comparison; a bounded
// throughput history for the chart). FrameSlot is one subscriber's mailbox,
// which keeps only the newest frame so a slow subscriber costs one frame of
// memory, never a queue. OriginAllowed is the WebSocket Origin policy.
//
// Frame (one JSON object; every number finite; absent figures are null):
//   seq, wall_ms, subscribers, auth ("hmac" | "none"),
//   clock {mode, sim_time_us, paused, speed, utc_offset_minutes},
//   total {arrivals, decisions, arrivals_per_s, decisions_per_s, queue, busy,
//          officers, open, breaches, late},
//   ministries [{code, name, officers, busy, queue, arrivals, decisions,
//          arrivals_per_s, decisions_per_s, wait_s, recent_wait_s,
//          erlang_wait_s, utilisation, erlang, breaches}],
//   history {step_ms, arrivals_per_s [...], decisions_per_s [...]}
// "decisions" are reviews that ended: approved + rejected + supplements
// requested. wait_s is the mean wait since the start; recent_wait_s the mean
// over the reviews that started in the recent window; erlang_wait_s the
// M/M/c mean wait (server/domain/erlang_c.h) for the window's rate of queue
// entries (reviews started + change in queue depth: a dossier waiting for its
// fee is not yet in the queue, a supplemented one enters again) and the mean
// service time of the procedures that entered, with utilisation its rho; erlang is "ok" or why the model does not apply
// ("closed": outside working hours within the window, "overloaded": rho >= 1,
// "no arrivals": nothing entered the queue, "clock stopped", "warming up": the first frame).
//
// Thread-safety: a LiveModel and a FrameSlot are each used under their
// owner's lock (LiveFeed); OriginAllowed is a pure function.
#ifndef NSW_SERVER_HTTP_LIVE_MODEL_H_
#define NSW_SERVER_HTTP_LIVE_MODEL_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proto/catalog.h"
#include "proto/nsw.pb.h"
#include "server/domain/calendar.h"

namespace nsw::http {

struct LiveModelOptions {
  // Points of throughput history in each frame (one per snapshot). Default
  // 300: five minutes at one frame a second.
  int history_points = 300;
  // Snapshots spanned by the recent window of the Erlang C comparison.
  // Default 10 (ten wall seconds; 90 simulated minutes at --speed 540).
  int window_samples = 10;
  // "hmac" or "none", told to the page so it asks for the admin key only
  // when one is needed. Default "hmac".
  std::string auth = "hmac";
};

class LiveModel {
 public:
  // `catalog` must outlive the model.
  LiveModel(const Catalog& catalog, LiveModelOptions options);

  // Adds the snapshot taken at `wall_us` (steady, microseconds) and returns
  // its frame. `clock` is the clock's state (ClockReply's fields).
  std::string Next(int64_t wall_us, const Stats& stats, const ClockReply& clock, int subscribers);

 private:
  struct MinistrySample {
    uint64_t arrivals = 0;
    uint64_t decisions = 0;
    double wait_sum_s = 0;  // mean * count of the wait stats
    uint64_t wait_count = 0;
    // Queue entries so far: visits that started review plus those waiting.
    uint64_t queue_entries = 0;
    double service_work_s = 0;  // sum over procedures of queue entries * mean service time
  };
  struct Sample {
    int64_t wall_us = 0;
    int64_t sim_us = 0;
    uint64_t arrivals = 0;
    uint64_t decisions = 0;
    std::vector<MinistrySample> ministries;
  };

  const Catalog& catalog_;
  LiveModelOptions options_;
  std::vector<WorkingCalendar> calendars_;  // by ministry index
  std::vector<double> service_mean_s_;      // by procedure index
  int utc_offset_minutes_ = 420;
  uint64_t seq_ = 0;
  std::deque<Sample> window_;  // newest last, at most window_samples + 1
  std::deque<double> arrivals_history_;
  std::deque<double> decisions_history_;
  int64_t history_step_us_ = 1'000'000;
};

// One subscriber's mailbox: the newest frame not yet taken.
class FrameSlot {
 public:
  // Stores `frame`, replacing (and counting as dropped) one not yet taken.
  // True when the slot was empty: the owner should wake the writer.
  bool Put(std::shared_ptr<const std::string> frame);
  // The frame to send next, or null.
  std::shared_ptr<const std::string> Take();
  uint64_t dropped() const { return dropped_; }

 private:
  std::shared_ptr<const std::string> frame_;
  uint64_t dropped_ = 0;
};

// The WebSocket Origin policy of GET /v1/live. An absent Origin (a
// non-browser client: browsers always send one) is allowed; otherwise it must
// be "scheme://host[:port]" with the scheme of the listener (https with TLS)
// and either the request's Host (ASCII case-insensitive, default port
// implied) or a loopback host (localhost, 127.0.0.1, [::1]) with
// `listen_port`. "null" and anything else are refused.
bool OriginAllowed(std::string_view origin, std::string_view host, uint16_t listen_port, bool tls);

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_LIVE_MODEL_H_
