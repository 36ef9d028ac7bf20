// Schedules (see schedule.h). Times are microseconds; rates per second.
#include "loadgen/schedule.h"

#include <algorithm>
#include <cmath>

#include "proto/units.h"

namespace nsw::loadgen {

Status ParseRate(std::string_view text, double* per_second) {
  auto bad = [&] {
    return Status::InvalidArgument("invalid rate '" + std::string(text) +
                                   "' (expected requests per second, e.g. 1000, 1000/s, 60/m)");
  };
  std::string_view number = text;
  double scale = 1.0;
  const size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view unit = text.substr(slash + 1);
    number = text.substr(0, slash);
    if (unit == "s") scale = 1.0;
    else if (unit == "m" || unit == "min") scale = 1.0 / 60;
    else if (unit == "h") scale = 1.0 / 3600;
    else return bad();
  }
  if (number.empty() || number.find_first_not_of("0123456789.") != std::string_view::npos) return bad();
  char* end = nullptr;
  const std::string copy(number);
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(value)) return bad();
  *per_second = value * scale;
  return Status::OK();
}

Status ParseStages(std::string_view spec, std::vector<Stage>* out) {
  out->clear();
  if (spec.empty()) return Status::InvalidArgument("empty --stages (expected e.g. 30s:100,1m:500)");
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    const std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (comma != std::string_view::npos && spec.empty()) {
      return Status::InvalidArgument("invalid --stages: trailing comma");
    }
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("invalid stage '" + std::string(item) + "' (expected DURATION:RATE, e.g. 30s:100)");
    }
    Stage stage;
    Status s = ParseDuration(item.substr(0, colon), &stage.duration_us);
    if (!s.ok()) return Status::InvalidArgument("invalid stage '" + std::string(item) + "': " + s.message());
    if (stage.duration_us <= 0) {
      return Status::InvalidArgument("invalid stage '" + std::string(item) + "': duration must be positive");
    }
    s = ParseRate(item.substr(colon + 1), &stage.target_rate);
    if (!s.ok()) return Status::InvalidArgument("invalid stage '" + std::string(item) + "': " + s.message());
    out->push_back(stage);
  }
  return Status::OK();
}

Status ParseArrivals(std::string_view text, Arrivals* out) {
  if (text == "constant") {
    *out = Arrivals::kConstant;
  } else if (text == "poisson") {
    *out = Arrivals::kPoisson;
  } else {
    return Status::InvalidArgument("invalid arrivals '" + std::string(text) + "' (expected constant or poisson)");
  }
  return Status::OK();
}

std::string_view ArrivalsName(Arrivals a) { return a == Arrivals::kPoisson ? "poisson" : "constant"; }

// ---------------------------------------------------------------- profile

RateProfile::RateProfile(double initial_rate, std::vector<Stage> stages) {
  double rate = initial_rate;
  int64_t t = 0;
  double count = 0;
  for (const auto& stage : stages) {
    Piece p{t, t + stage.duration_us, rate, stage.target_rate, count};
    count += (rate + stage.target_rate) / 2 * static_cast<double>(stage.duration_us) / 1e6;
    pieces_.push_back(p);
    t = p.end_us;
    rate = stage.target_rate;
  }
  if (stages.empty()) {
    pieces_.push_back(Piece{0, INT64_MAX, rate, rate, 0});
  } else {
    end_us_ = t;
  }
}

double RateProfile::RateAt(int64_t t_us) const {
  for (const auto& p : pieces_) {
    if (t_us >= p.start_us && t_us < p.end_us) {
      if (p.end_us == INT64_MAX) return p.from_rate;
      const double f = static_cast<double>(t_us - p.start_us) / static_cast<double>(p.end_us - p.start_us);
      return p.from_rate + (p.to_rate - p.from_rate) * f;
    }
  }
  return 0;
}

double RateProfile::CountAt(int64_t t_us) const {
  double count = 0;
  for (const auto& p : pieces_) {
    if (t_us <= p.start_us) break;
    const int64_t until = std::min(t_us, p.end_us);
    const double x = static_cast<double>(until - p.start_us) / 1e6;
    if (p.end_us == INT64_MAX) {
      count = p.count_before + p.from_rate * x;
    } else {
      const double slope = (p.to_rate - p.from_rate) / (static_cast<double>(p.end_us - p.start_us) / 1e6);
      count = p.count_before + p.from_rate * x + slope * x * x / 2;
    }
  }
  return count;
}

bool RateProfile::TimeOfCount(double count, int64_t* t_us) const {
  for (const auto& p : pieces_) {
    const bool open = p.end_us == INT64_MAX;
    const double length = open ? 0 : static_cast<double>(p.end_us - p.start_us) / 1e6;
    const double piece_count = open ? INFINITY : (p.from_rate + p.to_rate) / 2 * length;
    const double c = count - p.count_before;
    if (c > piece_count) continue;
    double x;  // seconds into the piece
    if (c <= 0) {
      x = 0;
    } else if (open) {
      if (p.from_rate <= 0) return false;
      x = c / p.from_rate;
    } else {
      const double k = (p.to_rate - p.from_rate) / length / 2;  // count = a x + k x^2
      const double a = p.from_rate;
      if (std::fabs(k) < 1e-15) {
        if (a <= 0) continue;
        x = c / a;
      } else {
        const double disc = a * a + 4 * k * c;
        x = 2 * c / (a + std::sqrt(std::max(0.0, disc)));  // stable root
        if (!std::isfinite(x)) continue;
      }
      x = std::clamp(x, 0.0, length);
    }
    const double t = static_cast<double>(p.start_us) + x * 1e6;
    if (t >= 9.2e18) return false;
    *t_us = static_cast<int64_t>(std::llround(t));
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- schedule

ArrivalSchedule::ArrivalSchedule(RateProfile profile, Arrivals arrivals, uint64_t seed)
    : profile_(std::move(profile)), arrivals_(arrivals), rng_(seed, 0x5343484544ULL /* "SCHED" */) {}

bool ArrivalSchedule::Next(int64_t* due_us) {
  if (arrivals_ == Arrivals::kPoisson) {
    position_ += rng_.Exponential();
  } else {
    position_ = static_cast<double>(index_);
  }
  ++index_;
  return profile_.TimeOfCount(position_, due_us);
}

}  // namespace nsw::loadgen
