// WallClock and TraceClock (see sim_clock.h).
#include "server/domain/sim_clock.h"

#include <algorithm>
#include <cmath>

namespace nsw {

WallClock::WallClock(Env* env, int64_t start, double speed)
    : env_(env), anchor_sim_(start), anchor_mono_(env->MonotonicMicros()), speed_(speed) {}

int64_t WallClock::Now() {
  int64_t now = anchor_sim_;
  if (!paused_) {
    const double elapsed = static_cast<double>(env_->MonotonicMicros() - anchor_mono_) * speed_;
    now += static_cast<int64_t>(std::min(elapsed, 9.0e18 - static_cast<double>(anchor_sim_)));
  }
  last_ = std::max(last_, now);
  return last_;
}

void WallClock::Anchor(int64_t sim) {
  anchor_sim_ = sim;
  anchor_mono_ = env_->MonotonicMicros();
}

void WallClock::Pause() {
  if (paused_) return;
  Anchor(Now());
  paused_ = true;
}

void WallClock::Resume() {
  if (!paused_) return;
  Anchor(Now());
  paused_ = false;
}

void WallClock::SetSpeed(double speed) {
  Anchor(Now());
  speed_ = speed;
}

void WallClock::JumpTo(int64_t t) {
  if (t <= Now()) return;
  Anchor(t);
  last_ = t;
}

bool TraceClock::WouldRefuse(int64_t ts) const {
  return latest_ != kNone && static_cast<__int128>(ts) - latest_ > max_jump_;
}

int64_t TraceClock::watermark() const {
  if (latest_ == kNone) return floor_;
  return std::max(latest_ - window_, floor_);
}

TraceClock::Admission TraceClock::Admit(int64_t ts, int64_t* at) {
  if (WouldRefuse(ts)) return Admission::kRefused;
  const int64_t wm = watermark();
  Admission admission = Admission::kOnTime;
  *at = ts;
  if (wm != kNone && ts < wm) {
    *at = wm;
    admission = Admission::kLate;
  }
  latest_ = latest_ == kNone ? ts : std::max(latest_, ts);
  return admission;
}

void TraceClock::AdvanceTo(int64_t t) {
  floor_ = std::max(floor_, t);
  latest_ = latest_ == kNone ? t : std::max(latest_, t);
}

void TraceClock::Replayed(int64_t at) { latest_ = latest_ == kNone ? at : std::max(latest_, at); }

}  // namespace nsw
