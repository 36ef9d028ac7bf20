// The two simulated clocks of DESIGN.md "Simulation".
//
// WallClock: simulated time = resume point + wall elapsed x speed, read from
// the injected Env's monotonic clock; pause, resume, speed changes and jumps
// re-anchor it. Now() never goes backwards, which the sequencer relies on.
//
// TraceClock: time follows each submission's own timestamp. The watermark is
// (latest timestamp admitted - reorder window), raised by explicit advances;
// a submission older than it is simulated at the watermark and flagged late;
// one more than max_jump past the latest is refused. Everything the
// simulation may process lies before the watermark, and every later record
// is placed at or after it.
//
// Neither is thread-safe: the service's mutex guards them.
#ifndef NSW_SERVER_DOMAIN_SIM_CLOCK_H_
#define NSW_SERVER_DOMAIN_SIM_CLOCK_H_

#include <cstdint>
#include <limits>

#include "server/journal/env.h"

namespace nsw {

class WallClock {
 public:
  // `env` must outlive the clock. Starts running at `start` with `speed`.
  WallClock(Env* env, int64_t start, double speed);

  int64_t Now();
  bool paused() const { return paused_; }
  double speed() const { return speed_; }
  void Pause();
  void Resume();
  // REQUIRES: speed > 0 and finite.
  void SetSpeed(double speed);
  // Moves simulated time forward to `t` (no effect when t <= Now()).
  void JumpTo(int64_t t);

 private:
  void Anchor(int64_t sim);

  Env* env_;
  int64_t anchor_sim_;
  int64_t anchor_mono_;
  double speed_;
  bool paused_ = false;
  int64_t last_ = std::numeric_limits<int64_t>::min();
};

class TraceClock {
 public:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();

  TraceClock(int64_t reorder_window_us, int64_t max_jump_us)
      : window_(reorder_window_us), max_jump_(max_jump_us) {}

  enum class Admission { kOnTime, kLate, kRefused };
  // Decides where a submission dated `ts` is simulated (*at) and records it
  // as seen unless refused.
  Admission Admit(int64_t ts, int64_t* at);
  // Whether Admit would refuse `ts`, without recording anything.
  bool WouldRefuse(int64_t ts) const;
  // Raises the watermark, and the latest timestamp, to at least t (ADVANCE,
  // and the replay of one).
  void AdvanceTo(int64_t t);
  // Replay of an admitted record placed at `at` (late ones never raise `latest`).
  void Replayed(int64_t at);

  // kNone until the first submission or advance.
  int64_t watermark() const;
  int64_t latest() const { return latest_; }

 private:
  int64_t window_;
  int64_t max_jump_;
  int64_t latest_ = kNone;
  int64_t floor_ = kNone;
};

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_SIM_CLOCK_H_
