// Frames of the live dashboard; see live_model.h. JSON is written by hand:
// the frame is flat, its strings are catalog codes and names (escaped), and
// its numbers go through std::to_chars (shortest round-trip form).
#include "server/http/live_model.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "server/domain/erlang_c.h"

namespace nsw::http {
namespace {

void AppendNumber(std::string* out, double v) {
  if (!std::isfinite(v)) {
    *out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;  // 32 bytes hold any double
  out->append(buf, end);
}

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out->append(buf, end);
}

void AppendString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char kHex[] = "0123456789abcdef";
          *out += "\\u00";
          out->push_back(kHex[(c >> 4) & 0xf]);
          out->push_back(kHex[c & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

// Writes "key": (the caller adds the value).
void Key(std::string* out, std::string_view key) {
  AppendString(out, key);
  out->push_back(':');
}

uint64_t DecisionsOf(const GroupStats& g) { return g.approved() + g.rejected() + g.supplements_requested(); }

double Rate(double delta, int64_t micros) { return micros > 0 ? delta * 1e6 / static_cast<double>(micros) : 0; }

}  // namespace

LiveModel::LiveModel(const Catalog& catalog, LiveModelOptions options)
    : catalog_(catalog), options_(std::move(options)) {
  options_.history_points = std::max(options_.history_points, 2);
  options_.window_samples = std::max(options_.window_samples, 1);
  std::vector<std::string> holidays(catalog.proto().holidays().begin(), catalog.proto().holidays().end());
  calendars_.resize(catalog.ministry_count());
  for (int m = 0; m < catalog.ministry_count(); ++m) {
    // A loaded catalog's calendars are valid (proto/catalog.h); should one
    // not be, ALWAYS only makes the Erlang C column less cautious.
    (void)WorkingCalendar::Create(catalog.ministry(m).calendar(), holidays, &calendars_[m]);
  }
  if (catalog.ministry_count() > 0 && catalog.ministry(0).calendar().has_utc_offset_minutes()) {
    utc_offset_minutes_ = catalog.ministry(0).calendar().utc_offset_minutes();
  }
  service_mean_s_.resize(catalog.procedure_count());
  for (int p = 0; p < catalog.procedure_count(); ++p) service_mean_s_[p] = catalog.procedure(p).service_time().mean();
}

std::string LiveModel::Next(int64_t wall_us, const Stats& stats, const ClockReply& clock, int subscribers) {
  Sample now;
  now.wall_us = wall_us;
  now.sim_us = stats.sim_time_us();
  now.arrivals = stats.total().arrivals();
  now.decisions = DecisionsOf(stats.total());
  now.ministries.resize(catalog_.ministry_count());
  for (const GroupStats& g : stats.ministries()) {
    int m = catalog_.ministry_index(g.code());
    if (m < 0) continue;
    MinistrySample& s = now.ministries[m];
    s.arrivals = g.arrivals();
    s.decisions = DecisionsOf(g);
    s.wait_count = g.wait().count();
    s.wait_sum_s = g.wait().mean_seconds() * static_cast<double>(g.wait().count());
  }
  for (const GroupStats& g : stats.procedures()) {
    int p = catalog_.procedure_index(g.code());
    if (p < 0) continue;
    MinistrySample& s = now.ministries[catalog_.ministry_of(p)];
    const uint64_t entries = g.queue_visits() + g.queue_depth();
    s.queue_entries += entries;
    s.service_work_s += static_cast<double>(entries) * service_mean_s_[p];
  }

  const Sample* prev = window_.empty() ? nullptr : &window_.back();
  const int64_t dt_us = prev ? now.wall_us - prev->wall_us : 0;
  const double total_arrivals_rate = prev ? Rate(static_cast<double>(now.arrivals - prev->arrivals), dt_us) : 0;
  const double total_decisions_rate = prev ? Rate(static_cast<double>(now.decisions - prev->decisions), dt_us) : 0;
  if (prev) {
    if (arrivals_history_.empty()) history_step_us_ = std::max<int64_t>(dt_us, 1);
    arrivals_history_.push_back(total_arrivals_rate);
    decisions_history_.push_back(total_decisions_rate);
    while (static_cast<int>(arrivals_history_.size()) > options_.history_points) {
      arrivals_history_.pop_front();
      decisions_history_.pop_front();
    }
  }
  window_.push_back(std::move(now));
  while (static_cast<int>(window_.size()) > options_.window_samples + 1) window_.pop_front();
  const Sample& cur = window_.back();
  prev = window_.size() >= 2 ? &window_[window_.size() - 2] : nullptr;
  const Sample& first = window_.front();

  std::string out;
  out.reserve(4096 + 16 * arrivals_history_.size());
  out += "{";
  Key(&out, "seq");
  AppendInt(&out, static_cast<int64_t>(++seq_));
  out += ",";
  Key(&out, "wall_ms");
  AppendInt(&out, wall_us / 1000);
  out += ",";
  Key(&out, "subscribers");
  AppendInt(&out, subscribers);
  out += ",";
  Key(&out, "auth");
  AppendString(&out, options_.auth);
  out += ",";
  Key(&out, "clock");
  out += "{";
  Key(&out, "mode");
  AppendString(&out, stats.clock());
  out += ",";
  Key(&out, "sim_time_us");
  AppendInt(&out, stats.sim_time_us());
  out += ",";
  Key(&out, "paused");
  out += clock.paused() ? "true" : "false";
  out += ",";
  Key(&out, "speed");
  AppendNumber(&out, clock.speed());
  out += ",";
  Key(&out, "utc_offset_minutes");
  AppendInt(&out, utc_offset_minutes_);
  out += "},";

  const GroupStats& t = stats.total();
  uint32_t officers = 0;
  for (const GroupStats& g : stats.ministries()) officers += g.officers();
  Key(&out, "total");
  out += "{";
  Key(&out, "arrivals");
  AppendInt(&out, static_cast<int64_t>(t.arrivals()));
  out += ",";
  Key(&out, "decisions");
  AppendInt(&out, static_cast<int64_t>(DecisionsOf(t)));
  out += ",";
  Key(&out, "arrivals_per_s");
  AppendNumber(&out, total_arrivals_rate);
  out += ",";
  Key(&out, "decisions_per_s");
  AppendNumber(&out, total_decisions_rate);
  out += ",";
  Key(&out, "queue");
  AppendInt(&out, static_cast<int64_t>(t.queue_depth()));
  out += ",";
  Key(&out, "busy");
  AppendInt(&out, t.busy_officers());
  out += ",";
  Key(&out, "officers");
  AppendInt(&out, officers);
  out += ",";
  Key(&out, "open");
  AppendInt(&out, static_cast<int64_t>(t.open()));
  out += ",";
  Key(&out, "breaches");
  AppendInt(&out, static_cast<int64_t>(t.deadline_breaches()));
  out += ",";
  Key(&out, "late");
  AppendInt(&out, static_cast<int64_t>(stats.late_arrivals()));
  out += "},";

  Key(&out, "ministries");
  out += "[";
  const int64_t window_sim_us = cur.sim_us - first.sim_us;
  bool first_ministry = true;
  for (const GroupStats& g : stats.ministries()) {
    const int m = catalog_.ministry_index(g.code());
    if (m < 0) continue;
    const MinistrySample& c = cur.ministries[m];
    const MinistrySample* p = prev ? &prev->ministries[m] : nullptr;
    const MinistrySample& f = first.ministries[m];
    if (!first_ministry) out += ",";
    first_ministry = false;
    out += "{";
    Key(&out, "code");
    AppendString(&out, g.code());
    out += ",";
    Key(&out, "name");
    AppendString(&out, catalog_.ministry(m).name());
    out += ",";
    Key(&out, "officers");
    AppendInt(&out, g.officers());
    out += ",";
    Key(&out, "busy");
    AppendInt(&out, g.busy_officers());
    out += ",";
    Key(&out, "queue");
    AppendInt(&out, static_cast<int64_t>(g.queue_depth()));
    out += ",";
    Key(&out, "arrivals");
    AppendInt(&out, static_cast<int64_t>(g.arrivals()));
    out += ",";
    Key(&out, "decisions");
    AppendInt(&out, static_cast<int64_t>(DecisionsOf(g)));
    out += ",";
    Key(&out, "arrivals_per_s");
    AppendNumber(&out, p ? Rate(static_cast<double>(c.arrivals - p->arrivals), dt_us) : 0);
    out += ",";
    Key(&out, "decisions_per_s");
    AppendNumber(&out, p ? Rate(static_cast<double>(c.decisions - p->decisions), dt_us) : 0);
    out += ",";
    Key(&out, "wait_s");
    AppendNumber(&out, g.wait().count() > 0 ? g.wait().mean_seconds() : NAN);
    out += ",";
    Key(&out, "recent_wait_s");
    const uint64_t recent_waits = c.wait_count - f.wait_count;
    // Differences of rounded means: never below zero.
    AppendNumber(&out, recent_waits > 0
                           ? std::max(0.0, (c.wait_sum_s - f.wait_sum_s) / static_cast<double>(recent_waits))
                           : NAN);

    // Erlang C for the window's load, where the M/M/c model can speak. The
    // load is what entered the queue (a dossier waiting for its fee payment
    // or coming back with a supplement is not, or is again, an arrival of
    // the queue), with the service time of the procedures that entered.
    const int64_t recent_arrivals = static_cast<int64_t>(c.queue_entries) - static_cast<int64_t>(f.queue_entries);
    std::string_view verdict = "ok";
    ErlangCPrediction prediction;
    if (window_.size() < 2) {
      verdict = "warming up";
    } else if (window_sim_us <= 0) {
      verdict = "clock stopped";
    } else if (recent_arrivals <= 0) {
      verdict = "no arrivals";
    } else if (calendars_[m].WorkingTimeBetween(first.sim_us, cur.sim_us) < window_sim_us) {
      verdict = "closed";
    } else {
      const double lambda = static_cast<double>(recent_arrivals) * 1e6 / static_cast<double>(window_sim_us);
      const double mean_service_s = (c.service_work_s - f.service_work_s) / static_cast<double>(recent_arrivals);
      if (!(mean_service_s > 0) || !ErlangC(lambda, 1.0 / mean_service_s, static_cast<int>(g.officers()),
                                            &prediction)) {
        verdict = "overloaded";
        prediction.utilisation = mean_service_s > 0 && g.officers() > 0
                                     ? lambda * mean_service_s / static_cast<double>(g.officers())
                                     : NAN;
      }
    }
    out += ",";
    Key(&out, "erlang_wait_s");
    AppendNumber(&out, verdict == "ok" ? prediction.mean_wait : NAN);
    out += ",";
    Key(&out, "utilisation");
    AppendNumber(&out, verdict == "ok" || verdict == "overloaded" ? prediction.utilisation : NAN);
    out += ",";
    Key(&out, "erlang");
    AppendString(&out, verdict);
    out += ",";
    Key(&out, "breaches");
    AppendInt(&out, static_cast<int64_t>(g.deadline_breaches()));
    out += "}";
  }
  out += "],";

  Key(&out, "history");
  out += "{";
  Key(&out, "step_ms");
  AppendInt(&out, history_step_us_ / 1000);
  out += ",";
  Key(&out, "arrivals_per_s");
  out += "[";
  for (size_t i = 0; i < arrivals_history_.size(); ++i) {
    if (i) out += ",";
    AppendNumber(&out, arrivals_history_[i]);
  }
  out += "],";
  Key(&out, "decisions_per_s");
  out += "[";
  for (size_t i = 0; i < decisions_history_.size(); ++i) {
    if (i) out += ",";
    AppendNumber(&out, decisions_history_[i]);
  }
  out += "]}}";
  return out;
}

bool FrameSlot::Put(std::shared_ptr<const std::string> frame) {
  const bool was_empty = frame_ == nullptr;
  if (!was_empty) ++dropped_;
  frame_ = std::move(frame);
  return was_empty;
}

std::shared_ptr<const std::string> FrameSlot::Take() { return std::exchange(frame_, nullptr); }

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Splits "host[:port]" ("[v6]:port" too); false when malformed. *port stays
// empty without one.
bool SplitHostPort(std::string_view authority, std::string_view* host, std::string_view* port) {
  if (authority.empty()) return false;
  size_t host_end;
  if (authority.front() == '[') {
    host_end = authority.find(']');
    if (host_end == std::string_view::npos) return false;
    ++host_end;
  } else {
    host_end = authority.find(':');
    if (host_end == std::string_view::npos) host_end = authority.size();
  }
  *host = authority.substr(0, host_end);
  std::string_view rest = authority.substr(host_end);
  if (rest.empty()) {
    *port = {};
    return !host->empty();
  }
  if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return false;
  *port = rest.substr(1);
  for (char c : *port) {
    if (c < '0' || c > '9') return false;
  }
  return !host->empty();
}

}  // namespace

bool OriginAllowed(std::string_view origin, std::string_view host, uint16_t listen_port, bool tls) {
  if (origin.empty()) return true;
  const std::string_view scheme = tls ? "https://" : "http://";
  if (origin.size() <= scheme.size() || !IEquals(origin.substr(0, scheme.size()), scheme)) return false;
  const std::string_view default_port = tls ? "443" : "80";
  std::string_view o_host, o_port;
  if (!SplitHostPort(origin.substr(scheme.size()), &o_host, &o_port)) return false;
  if (o_port.empty()) o_port = default_port;
  std::string_view h_host, h_port;
  if (SplitHostPort(host, &h_host, &h_port)) {
    if (h_port.empty()) h_port = default_port;
    if (IEquals(o_host, h_host) && o_port == h_port) return true;
  }
  const bool loopback = IEquals(o_host, "localhost") || o_host == "127.0.0.1" || o_host == "[::1]";
  return loopback && o_port == std::to_string(listen_port);
}

}  // namespace nsw::http
