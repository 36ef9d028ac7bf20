// RunLoadgenCli (see cli.h). Flags are parsed as text and converted with
// the project's own parsers (durations, sizes, instants, rates), so every
// bad value is one line naming its flag.
#include "loadgen/cli.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "client/nsw_api.h"
#include "client/signing.h"
#include "loadgen/engine.h"
#include "loadgen/html_report.h"
#include "loadgen/replay_workload.h"
#include "loadgen/results.h"
#include "loadgen/summary.h"
#include "loadgen/thresholds.h"
#include "loadgen/trace_csv.h"
#include "loadgen/trace_file.h"
#include "loadgen/trace_gen.h"
#include "loadgen/url_workload.h"
#include "proto/catalog.h"
#include "proto/units.h"

namespace nsw::loadgen {
namespace {

// A usage problem found after parsing: one line, exit 2.
struct UsageError {
  std::string message;
};
// A runtime failure: one line, exit 1.
struct RuntimeError {
  std::string message;
};

void Check(const Status& s, const std::string& flag) {
  if (!s.ok()) throw UsageError{flag + ": " + s.message()};
}
void CheckRuntime(const Status& s) {
  if (!s.ok()) throw RuntimeError{s.message()};
}

int64_t Duration(const std::string& text, const std::string& flag) {
  int64_t us = 0;
  Check(ParseDuration(text, &us), flag);
  return us;
}

struct GenFlags {
  std::string out;
  uint64_t dossiers = 3'000'000;
  uint32_t enterprises = 38'000;
  uint32_t days = 1826;
  uint64_t seed = 1;
  std::string catalog;
  std::string format = "pb";
  std::string from_csv;
  std::string start;
  double zipf = 1.0;
};

struct RunFlags {
  // pacing
  std::string rate, arrivals = "constant", stages;
  double speed = 0;
  bool max = false;
  int connections = 8, threads = 2;
  std::string duration, warmup = "0s", timeout = "10s", connect_timeout = "5s";
  uint64_t limit = 0, max_inflight = 20000, seed = 1;
  int retries = 0;
  std::string shard = "1/1", start_at;
  std::string out, html, hlog;
  std::vector<std::string> thresholds;
  bool quiet = false, latency = false, insecure = false;
  std::string ca_file;
  // replay
  std::string trace, target, run_id, auth_key_file, admin_key_file, flush = "auto", encoding = "protobuf";
  std::string catalog, poll = "0", poll_delay = "1s", submitted_at = "auto", reorder_window = "auto";
  bool actions = false;
  int max_polls = 0;
  uint64_t max_followups = 100000;
  // url
  std::string url, method = "GET", body_file, expect = "2xx,3xx";
  std::vector<std::string> headers;
};

struct ReportFlags {
  std::vector<std::string> inputs;
  std::string out, html;
  std::vector<std::string> thresholds;
  bool latency = false;
};

void AddRunFlags(CLI::App* sub, RunFlags& f, bool replay) {
  sub->add_option("--rate", f.rate, "open loop: requests per second (1000, 1000/s, 60/m)");
  sub->add_option("--arrivals", f.arrivals, "constant or poisson (deterministic per --seed)")->capture_default_str();
  sub->add_option("--stages", f.stages, "rate ramps, k6 style: 30s:100,1m:500 (from --rate, default 0)");
  if (replay) sub->add_option("--speed", f.speed, "open loop at the trace's own timing: trace seconds per wall second");
  sub->add_flag("--max", f.max, "closed loop: each connection sends as soon as its previous request completes");
  sub->add_option("--connections,-c", f.connections, "keep-alive connections over all threads")->capture_default_str();
  sub->add_option("--threads,-t", f.threads, "worker threads, each with its own event loop")->capture_default_str();
  sub->add_option("--duration,-d", f.duration, "stop scheduling after this long (30s, 5m); default: the end of the work");
  sub->add_option("--limit", f.limit, "only the first N requests (global indexes < N)");
  sub->add_option("--warmup", f.warmup, "requests intended before this are sent but not measured")->capture_default_str();
  sub->add_option("--timeout", f.timeout, "per-request deadline")->capture_default_str();
  sub->add_option("--connect-timeout", f.connect_timeout, "connect and TLS handshake deadline")->capture_default_str();
  sub->add_option("--max-inflight", f.max_inflight, "requests queued or in flight; due requests beyond are dropped")
      ->capture_default_str();
  sub->add_option("--retries", f.retries, "extra attempts on connect/reset/timeout errors and 503 (latency counts from "
                                          "the first intended time)")
      ->capture_default_str();
  sub->add_option("--seed", f.seed, "seed of Poisson arrivals and follow-up choices")->capture_default_str();
  sub->add_option("--shard", f.shard, "K/N: send only shard K of N at the global schedule's times")->capture_default_str();
  sub->add_option("--start-at", f.start_at, "wall-clock start of the schedule (RFC 3339), to align shards");
  sub->add_option("--out", f.out, "results as JSON (exact histograms, for merge and report)");
  sub->add_option("--html", f.html, "self-contained HTML report");
  sub->add_option("--hlog", f.hlog, "HdrHistogram interval log (V2 compressed histograms per second)");
  sub->add_option("--threshold", f.thresholds, "pass/fail: 'p99<50ms', 'errors<0.1%', 'rps>1000' (exit 99)");
  sub->add_flag("--quiet,-q", f.quiet, "no progress line");
  sub->add_flag("--latency", f.latency, "print the detailed percentile spectrum (as wrk2 --latency)");
  sub->add_flag("--insecure", f.insecure, "https: do not verify the server certificate");
  sub->add_option("--ca-file", f.ca_file, "https: PEM file of trusted CAs");
}

// Pacing and engine settings shared by replay and url.
EngineOptions EngineOptionsFrom(const RunFlags& f, bool replay) {
  EngineOptions o;
  const int modes = (!f.rate.empty() || !f.stages.empty() ? 1 : 0) + (f.speed != 0 ? 1 : 0) + (f.max ? 1 : 0);
  if (modes == 0) throw UsageError{std::string("choose a pacing: --rate R") + (replay ? ", --speed X" : "") + " or --max"};
  if (modes > 1) throw UsageError{"--rate/--stages, --speed and --max exclude each other"};
  if (!f.rate.empty() || !f.stages.empty()) {
    o.pacing = Pacing::kRate;
    if (!f.rate.empty()) Check(ParseRate(f.rate, &o.rate), "--rate");
    if (f.stages.empty() && !(o.rate > 0)) throw UsageError{"--rate: must be positive"};
    if (!f.stages.empty()) Check(ParseStages(f.stages, &o.stages), "--stages");
    Check(ParseArrivals(f.arrivals, &o.arrivals), "--arrivals");
  } else if (f.speed != 0) {
    if (!(f.speed > 0) || !std::isfinite(f.speed)) throw UsageError{"--speed: must be a positive number"};
    o.pacing = Pacing::kSpeed;
    o.speed = f.speed;
  } else {
    o.pacing = Pacing::kMax;
  }
  if (f.connections < 1 || f.connections > 100000) throw UsageError{"--connections: must be between 1 and 100000"};
  if (f.threads < 1 || f.threads > 256) throw UsageError{"--threads: must be between 1 and 256"};
  o.connections = f.connections;
  o.threads = f.threads;
  if (!f.duration.empty()) {
    o.duration_us = Duration(f.duration, "--duration");
    if (o.duration_us <= 0) throw UsageError{"--duration: must be positive"};
  }
  if (o.pacing == Pacing::kMax && o.duration_us == 0 && f.limit == 0 && !replay) {
    throw UsageError{"--max needs --duration or --limit (a url run never ends by itself)"};
  }
  if (!replay && o.pacing == Pacing::kRate && o.duration_us == 0 && f.limit == 0 && f.stages.empty()) {
    throw UsageError{"--duration: needed (or --limit or --stages): a url run never ends by itself"};
  }
  o.limit = f.limit;
  o.warmup_us = Duration(f.warmup, "--warmup");
  if (f.max_inflight < 1) throw UsageError{"--max-inflight: must be at least 1"};
  o.max_inflight = f.max_inflight;
  if (f.retries < 0 || f.retries > 100) throw UsageError{"--retries: must be between 0 and 100"};
  o.retries = f.retries;
  o.seed = f.seed;
  if (!f.start_at.empty()) {
    Check(ParseInstant(f.start_at, &o.start_at_unix_us), "--start-at");
    if (o.start_at_unix_us <= 0) throw UsageError{"--start-at: must be after 1970"};
  }
  o.hlog_path = f.hlog;
  return o;
}

client::ConnectionOptions ConnectionOptionsFrom(const RunFlags& f) {
  client::ConnectionOptions c;
  const int64_t timeout = Duration(f.timeout, "--timeout");
  const int64_t connect = Duration(f.connect_timeout, "--connect-timeout");
  if (timeout <= 0) throw UsageError{"--timeout: must be positive"};
  if (connect <= 0) throw UsageError{"--connect-timeout: must be positive"};
  c.request_timeout = std::chrono::milliseconds(std::max<int64_t>(1, timeout / 1000));
  c.connect_timeout = std::chrono::milliseconds(std::max<int64_t>(1, connect / 1000));
  c.tls_verify = !f.insecure;
  c.tls_ca_file = f.ca_file;
  c.user_agent = "nsw-loadgen/" + std::string(ToolVersion());
  return c;
}

std::vector<Threshold> ThresholdsFrom(const std::vector<std::string>& texts) {
  std::vector<Threshold> out;
  for (const auto& t : texts) {
    Threshold th;
    Check(ParseThreshold(t, &th), "--threshold");
    out.push_back(std::move(th));
  }
  return out;
}

// Progress printing: rewritten in place on a terminal.
std::function<void(const std::string&)> ProgressPrinter(const CliEnvironment& env, bool quiet) {
  if (quiet) return nullptr;
  return [&env](const std::string& line) {
    if (env.out_is_terminal) {
      std::fprintf(env.out, "\r%s\x1b[K", line.c_str());
      if (line.rfind("done ", 0) == 0) std::fputc('\n', env.out);
    } else {
      std::fprintf(env.out, "%s\n", line.c_str());
    }
    std::fflush(env.out);
  };
}

// Thresholds, summary, files; the exit code.
int Finish(const CliEnvironment& env, RunResults* results, const std::vector<Threshold>& thresholds,
           const IntervalSource& intervals, std::function<IntervalSource()> intervals_again, const std::string& out_path,
           const std::string& html_path, bool detailed) {
  const bool passed = EvaluateThresholds(thresholds, results);
  std::fputs(FormatSummary(*results, detailed).c_str(), env.out);
  std::fflush(env.out);
  if (!out_path.empty()) {
    CheckRuntime(WriteResultsJson(*results, out_path, intervals));
    std::fprintf(env.out, "results written to %s\n", out_path.c_str());
  }
  if (!html_path.empty()) {
    CheckRuntime(WriteHtmlReport(*results, intervals_again ? intervals_again() : nullptr, html_path));
    std::fprintf(env.out, "report written to %s\n", html_path.c_str());
  }
  return ExitCodeFor(results->failures_size() > 0, passed);
}

void RecordSettings(const RunFlags& f, RunResults* r) {
  auto& s = *r->mutable_settings();
  if (!f.rate.empty()) s["rate"] = f.rate;
  if (!f.stages.empty()) s["stages"] = f.stages;
  if (f.speed != 0) s["speed"] = std::to_string(f.speed);
  if (f.max) s["max"] = "true";
  s["arrivals"] = f.arrivals;
  s["connections"] = std::to_string(f.connections);
  s["threads"] = std::to_string(f.threads);
  if (!f.duration.empty()) s["duration"] = f.duration;
  if (f.limit) s["limit"] = std::to_string(f.limit);
  s["warmup"] = f.warmup;
  s["timeout"] = f.timeout;
  s["max_inflight"] = std::to_string(f.max_inflight);
  s["retries"] = std::to_string(f.retries);
  s["seed"] = std::to_string(f.seed);
  s["shard"] = f.shard;
  if (!f.start_at.empty()) s["start_at"] = f.start_at;
}

// Runs the engine with SIGINT wired to RequestStop.
void RunEngine(const CliEnvironment& env, Engine* engine, const RunInfo& info, RunResults* results) {
  if (env.set_interrupt_handler) env.set_interrupt_handler([engine] { engine->RequestStop(); });
  Status s = engine->Run(info, results);
  if (env.set_interrupt_handler) env.set_interrupt_handler(nullptr);
  CheckRuntime(s);
}

// ---------------------------------------------------------------- gen

int RunGen(const CliEnvironment& env, const GenFlags& f) {
  Catalog catalog;
  if (!f.catalog.empty()) {
    CheckRuntime(Catalog::FromFile(f.catalog, &catalog));
  } else {
    CheckRuntime(Catalog::Default(&catalog));
  }
  if (f.format != "pb" && f.format != "csv") throw UsageError{"--format: must be pb or csv"};
  if (f.enterprises == 0) throw UsageError{"--enterprises: must be at least 1"};
  if (f.days == 0) throw UsageError{"--days: must be at least 1"};
  if (!(f.zipf >= 0) || f.zipf > 5) throw UsageError{"--zipf: must be between 0 and 5"};
  int64_t start = -1;
  if (!f.start.empty()) Check(ParseInstant(f.start, &start), "--start");

  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<TraceWriter> pb;
  std::unique_ptr<CsvTraceWriter> csv;
  TraceSink* sink = nullptr;
  if (f.format == "pb") {
    CheckRuntime(TraceWriter::Open(f.out, &pb));
    sink = pb.get();
  } else {
    CheckRuntime(CsvTraceWriter::Open(f.out, &csv));
    sink = csv.get();
  }
  // Count what goes through, for the closing line.
  class Counting : public TraceSink {
   public:
    explicit Counting(TraceSink* next) : next_(next) {}
    Status WriteHeader(TraceHeader h) override {
      header = h;
      return next_->WriteHeader(std::move(h));
    }
    Status Append(const TraceRecord& r) override {
      if (records > 0 && r.at_us() - last_at_us > max_gap_us) {
        max_gap_us = r.at_us() - last_at_us;
        gap_after_us = last_at_us;
      }
      last_at_us = r.at_us();
      ++records;
      return next_->Append(r);
    }
    TraceHeader header;
    uint64_t records = 0;
    int64_t last_at_us = 0, max_gap_us = 0, gap_after_us = 0;

   private:
    TraceSink* next_;
  } counting(sink);

  if (!f.from_csv.empty()) {
    CsvImportOptions o;
    o.start_us = start;
    o.seed = f.seed;
    CheckRuntime(ImportCsv(f.from_csv, catalog, o, &counting));
  } else {
    GenOptions o;
    o.dossiers = f.dossiers;
    o.enterprises = f.enterprises;
    o.days = f.days;
    o.seed = f.seed;
    o.zipf_exponent = f.zipf;
    if (start >= 0) o.start_us = start;
    CheckRuntime(GenerateTrace(o, catalog, &counting));
  }
  CheckRuntime(pb ? pb->Close() : csv->Close());
  // A trace-clock server refuses a submission dated more than its
  // --max-jump (default 7 days) past the latest it has seen.
  constexpr int64_t kServerMaxJumpUs = 7 * kMicrosPerDay;
  if (counting.max_gap_us > kServerMaxJumpUs) {
    std::fprintf(env.err,
                 "nsw-loadgen: warning: the trace has a gap of %s without submissions (after %s); a trace-clock "
                 "server refuses the next one unless started with --max-jump above it (default 7d)\n",
                 FormatDuration(counting.max_gap_us).c_str(),
                 FormatLocalInstant(counting.header.start_us() + counting.gap_after_us,
                                    counting.header.utc_offset_minutes())
                     .c_str());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (f.out != "-") {
    std::fprintf(env.out, "wrote %llu dossiers of %u enterprises over %u days from %s to %s (%s) in %.2fs\n",
                 static_cast<unsigned long long>(counting.records), counting.header.enterprises(),
                 counting.header.days(),
                 FormatLocalInstant(counting.header.start_us(), counting.header.utc_offset_minutes()).c_str(),
                 f.out.c_str(),
                 f.format.c_str(), seconds);
  }
  return kExitOk;
}

// ---------------------------------------------------------------- replay

auth::Key EnterpriseRootFrom(const std::string& path) {
  auth::KeyKind kind;
  auth::Key key;
  Status s = auth::ReadKeyFile(path, &kind, &key);
  if (!s.ok()) throw RuntimeError{"--auth-key-file: " + s.message()};
  if (kind == auth::KeyKind::kMaster) return auth::DeriveEnterpriseRoot(key);
  if (kind == auth::KeyKind::kEnterpriseRoot) return key;
  throw UsageError{"--auth-key-file: " + path + " is an admin key; replays sign as enterprises (enterprise-root.key)"};
}

int RunReplay(const CliEnvironment& env, const RunFlags& f) {
  EngineOptions eo = EngineOptionsFrom(f, true);
  eo.max_followups = f.max_followups;
  eo.progress = ProgressPrinter(env, f.quiet);
  const std::vector<Threshold> thresholds = ThresholdsFrom(f.thresholds);
  ReplayOptions ro;
  ro.trace_path = f.trace;
  Check(client::ParseUrl(f.target, &ro.target), "--target");
  Check(ParseShard(f.shard, &ro.shard), "--shard");
  ro.resume = !f.run_id.empty();
  ro.run_id = ro.resume ? f.run_id : NewRunId();
  Check(ValidateRunId(ro.run_id), "--run-id");
  Check(client::ParseEncoding(f.encoding, &ro.encoding), "--encoding");
  if (!f.poll.empty()) {
    std::string p = f.poll;
    double v = 0;
    const bool percent = !p.empty() && p.back() == '%';
    if (percent) p.pop_back();
    char* end = nullptr;
    v = std::strtod(p.c_str(), &end);
    if (p.empty() || end != p.c_str() + p.size() || !(v >= 0)) throw UsageError{"--poll: '" + f.poll + "' is not a fraction or percentage"};
    if (percent) v /= 100;
    if (v > 1) throw UsageError{"--poll: at most 1 (100%)"};
    ro.poll_fraction = v;
  }
  ro.poll_delay_us = Duration(f.poll_delay, "--poll-delay");
  ro.actions = f.actions;
  if (f.actions && ro.poll_fraction == 0) ro.poll_fraction = 1;
  ro.max_polls = f.max_polls;
  ro.seed = f.seed;
  ro.limit = f.limit;
  ro.connection = ConnectionOptionsFrom(f);
  if (!f.auth_key_file.empty()) ro.enterprise_root = EnterpriseRootFrom(f.auth_key_file);
  if (f.flush != "auto" && f.flush != "on" && f.flush != "off") throw UsageError{"--flush: must be auto, on or off"};
  if (f.submitted_at != "auto" && f.submitted_at != "always" && f.submitted_at != "never") {
    throw UsageError{"--submitted-at: must be auto, always or never"};
  }
  std::optional<auth::Signer> admin;
  if (!f.admin_key_file.empty()) {
    auth::Signer s;
    Status st = auth::Signer::FromKeyFile(f.admin_key_file, &s);
    if (!st.ok()) throw RuntimeError{"--admin-key-file: " + st.message()};
    if (!s.can_sign_admin()) throw UsageError{"--admin-key-file: " + f.admin_key_file + " holds no admin key"};
    admin = std::move(s);
  }
  if (f.flush == "on" && !admin) throw UsageError{"--flush on: needs --admin-key-file (the admin clock call)"};

  Catalog catalog;
  const Catalog* catalog_ptr = nullptr;
  if (!f.catalog.empty()) {
    CheckRuntime(Catalog::FromFile(f.catalog, &catalog));
    catalog_ptr = &catalog;
  } else if (Catalog::Default(&catalog).ok()) {
    catalog_ptr = &catalog;
  }

  std::unique_ptr<ReplayWorkload> workload;
  CheckRuntime(ReplayWorkload::Create(ro, catalog_ptr, &workload));
  std::vector<std::string> warnings;
  if (catalog_ptr != nullptr && !workload->header().catalog_fingerprint().empty() &&
      workload->header().catalog_fingerprint() != catalog_ptr->fingerprint()) {
    warnings.push_back("the trace was made with another catalog than " +
                       (f.catalog.empty() ? std::string("the default") : f.catalog) +
                       " (fingerprints differ); per-ministry figures use the procedure codes' prefixes where unknown");
  }
  // The server: its clock mode and its late arrivals before we start.
  const std::string principal = workload->TaxCode(0);
  auth::Signer probe_signer = ro.enterprise_root ? auth::Signer::FromEnterpriseRoot(*ro.enterprise_root) : auth::Signer();
  client::ApiOptions api_options;
  api_options.encoding = ro.encoding;
  client::SyncNswClient probe(ro.target, std::move(probe_signer), api_options, ro.connection);
  Stats before;
  client::ApiResult pr = probe.GetStats(principal, &before);
  if (!pr.ok()) {
    std::string hint;
    if (pr.http_status == 401) hint = " (pass --auth-key-file <data-dir>/enterprise-root.key)";
    throw RuntimeError{"cannot read the target's statistics at " + ro.target.ToString() + ": " + pr.Describe() + hint};
  }
  const bool trace_clock = before.clock() == "trace";
  bool submitted_at = f.submitted_at == "always" || (f.submitted_at == "auto" && trace_clock);
  if (submitted_at != ro.submitted_at) {
    ro.submitted_at = submitted_at;
    CheckRuntime(ReplayWorkload::Create(ro, catalog_ptr, &workload));
  }
  // The reorder-window gate: with record timestamps sent, no record goes
  // out before every record more than the window older has been answered.
  if (f.reorder_window == "auto") {
    if (submitted_at && trace_clock) eo.reorder_window_us = before.reorder_window_us();
  } else if (f.reorder_window != "off") {
    eo.reorder_window_us = Duration(f.reorder_window, "--reorder-window");
    if (eo.reorder_window_us <= 0) throw UsageError{"--reorder-window: must be positive (or off)"};
  }
  if (!submitted_at) eo.reorder_window_us = 0;
  if (trace_clock && submitted_at && eo.reorder_window_us == 0) {
    warnings.push_back("no reorder-window gate (the server reported no window, or --reorder-window off): records may "
                       "arrive behind the server's watermark");
  }
  if (trace_clock && eo.pacing == Pacing::kSpeed && before.reorder_window_us() > 0 && eo.reorder_window_us == 0) {
    // How late (wall time) a request may be before its record falls behind
    // the server's watermark.
    const double slack_us = static_cast<double>(before.reorder_window_us()) / eo.speed;
    if (slack_us < 50'000) {
      warnings.push_back("at --speed " + std::to_string(eo.speed) + " the server's reorder window (" +
                         FormatDuration(before.reorder_window_us()) + ") is only " + FormatLatency(slack_us) +
                         " of wall time: any request delayed longer arrives late");
    }
  }

  RunInfo info;
  info.mode = "replay";
  info.target = ro.target.ToString();
  info.run_id = ro.run_id;
  info.trace = f.trace;
  info.trace_seed = workload->header().seed();
  info.shard = ro.shard;
  eo.seed = f.seed;
  std::fprintf(env.out, "replaying %s (%llu dossiers) to %s as run %s, shard %s, %s clock%s\n", f.trace.c_str(),
               static_cast<unsigned long long>(workload->header().dossiers()), info.target.c_str(), ro.run_id.c_str(),
               ro.shard.ToString().c_str(), before.clock().c_str(),
               eo.reorder_window_us > 0 ? (", reorder window " + FormatDuration(eo.reorder_window_us)).c_str() : "");
  std::fflush(env.out);

  Engine engine(eo, workload.get());
  RunResults results;
  RunEngine(env, &engine, info, &results);
  RecordSettings(f, &results);
  (*results.mutable_settings())["target"] = info.target;
  if (eo.reorder_window_us > 0) (*results.mutable_settings())["reorder_window"] = FormatDuration(eo.reorder_window_us);
  for (auto& w : warnings) results.add_warnings(w);

  // End of replay: flush the reorder window, then count late arrivals.
  if (trace_clock) {
    const bool flush = f.flush == "on" || (f.flush == "auto" && admin && ro.shard.count == 1);
    if (flush && workload->max_submitted_unix_us() != INT64_MIN) {
      client::SyncNswClient admin_client(ro.target, std::move(*admin), api_options, ro.connection);
      ClockRequest request;
      request.set_action(ClockRequest::ADVANCE);
      request.set_to_us(workload->max_submitted_unix_us() + 1);
      ClockReply reply;
      client::ApiResult ar = admin_client.AdminClock(request, &reply);
      if (!ar.ok()) results.add_failures("the final clock advance (flush of the reorder window) failed: " + ar.Describe());
    } else if (f.flush == "auto" && !flush) {
      results.add_warnings(ro.shard.count > 1
                               ? "sharded run: flush the reorder window once every shard is done "
                                 "(nsw-client admin clock advance)"
                               : "no --admin-key-file: the server's reorder window was not flushed");
    }
    Stats after;
    client::ApiResult sr = probe.GetStats(principal, &after);
    if (sr.ok()) {
      const uint64_t late = after.late_arrivals() >= before.late_arrivals() ? after.late_arrivals() - before.late_arrivals() : 0;
      results.set_server_late_arrivals(late);
      if (late > 0) {
        results.add_failures(std::to_string(late) + " submissions arrived behind the server's reorder window (late): "
                             "slow the replay (--speed) or widen --reorder-window");
      }
    } else {
      results.add_warnings("could not read the server's late arrivals: " + sr.Describe());
    }
  }
  if (results.total().errors().duplicate() > 0) {
    results.add_failures(std::to_string(results.total().errors().duplicate()) +
                         " submissions answered 200: the server already had these references (a reused --run-id? "
                         "to resume a run, pass its --run-id)");
  }
  if (std::string_view(results.tool_version()).empty()) results.set_tool_version(std::string(ToolVersion()));
  return Finish(env, &results, thresholds, engine.Intervals(), [&engine] { return engine.Intervals(); }, f.out,
                f.html, f.latency);
}

// ---------------------------------------------------------------- url

int RunUrl(const CliEnvironment& env, const RunFlags& f) {
  EngineOptions eo = EngineOptionsFrom(f, false);
  eo.progress = ProgressPrinter(env, f.quiet);
  const std::vector<Threshold> thresholds = ThresholdsFrom(f.thresholds);
  UrlWorkloadOptions uo;
  Check(client::ParseUrl(f.url, &uo.url), "URL");
  uo.method = f.method;
  if (uo.method.empty() || uo.method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) {
    throw UsageError{"--method: '" + f.method + "' is not an HTTP method (GET, POST, ...)"};
  }
  for (const auto& h : f.headers) {
    std::pair<std::string, std::string> header;
    Check(ParseHeaderFlag(h, &header), "--header");
    uo.headers.push_back(std::move(header));
  }
  if (!f.body_file.empty()) {
    std::ifstream in(f.body_file, std::ios::binary);
    if (!in) throw RuntimeError{"--body-file: cannot read " + f.body_file};
    std::stringstream b;
    b << in.rdbuf();
    uo.body = b.str();
  }
  Check(ParseExpectClasses(f.expect, &uo.expect_classes), "--expect");
  uo.connection = ConnectionOptionsFrom(f);
  Check(ParseShard(f.shard, &uo.shard), "--shard");
  UrlWorkload workload(uo);
  RunInfo info;
  info.mode = "url";
  info.target = uo.url.ToString();
  info.shard = uo.shard;
  Engine engine(eo, &workload);
  RunResults results;
  RunEngine(env, &engine, info, &results);
  RecordSettings(f, &results);
  (*results.mutable_settings())["method"] = uo.method;
  return Finish(env, &results, thresholds, engine.Intervals(), [&engine] { return engine.Intervals(); }, f.out,
                f.html, f.latency);
}

// ---------------------------------------------------------------- merge, report

int RunMerge(const CliEnvironment& env, const ReportFlags& f) {
  const std::vector<Threshold> thresholds = ThresholdsFrom(f.thresholds);
  RunResults merged;
  for (const auto& path : f.inputs) {
    RunResults part;
    CheckRuntime(ReadResultsJson(path, &part));
    Status s = MergeResults(part, &merged);
    if (!s.ok()) throw RuntimeError{path + ": " + s.message()};
  }
  return Finish(env, &merged, thresholds, nullptr, nullptr, f.out, f.html, f.latency);
}

int RunReport(const CliEnvironment& env, const ReportFlags& f) {
  RunResults results;
  CheckRuntime(ReadResultsJson(f.inputs.front(), &results));
  bool passed = true;
  if (!f.thresholds.empty()) {
    passed = EvaluateThresholds(ThresholdsFrom(f.thresholds), &results);
  } else {
    for (const auto& t : results.thresholds()) passed = passed && t.passed();
  }
  std::fputs(FormatSummary(results, f.latency).c_str(), env.out);
  if (!f.html.empty()) {
    CheckRuntime(WriteHtmlReport(results, nullptr, f.html));
    std::fprintf(env.out, "report written to %s\n", f.html.c_str());
  }
  return ExitCodeFor(results.failures_size() > 0, passed);
}

}  // namespace

int ExitCodeFor(bool failed, bool thresholds_passed) {
  if (failed) return kExitFailure;
  if (!thresholds_passed) return kExitThreshold;
  return kExitOk;
}

int RunLoadgenCli(int argc, char** argv, const CliEnvironment& env) {
  CLI::App app{"nsw-loadgen: realistic NSW traces, and wrk2-grade load tests replaying them", "nsw-loadgen"};
  app.set_version_flag("--version", "nsw-loadgen " + std::string(ToolVersion()));
  app.require_subcommand(1);

  GenFlags gen_flags;
  CLI::App* gen = app.add_subcommand("gen", "write a trace (or import one from CSV)");
  gen->add_option("--out,-o", gen_flags.out, "trace file to write ('-' for stdout)")->required();
  gen->add_option("--dossiers", gen_flags.dossiers, "submissions")->capture_default_str();
  gen->add_option("--enterprises", gen_flags.enterprises, "enterprises (Zipf-skewed activity)")->capture_default_str();
  gen->add_option("--days", gen_flags.days, "days covered")->capture_default_str();
  gen->add_option("--seed", gen_flags.seed, "generator seed (same seed, same bytes)")->capture_default_str();
  gen->add_option("--catalog", gen_flags.catalog, "catalog text-format file (default: the built-in one)");
  gen->add_option("--format", gen_flags.format, "pb (binary trace) or csv")->capture_default_str();
  gen->add_option("--from-csv", gen_flags.from_csv, "import this CSV (at,enterprise,procedure,client_ref,payload_bytes)");
  gen->add_option("--start", gen_flags.start, "first day (RFC 3339; default 2020-01-01T00:00:00+07:00)");
  gen->add_option("--zipf", gen_flags.zipf, "enterprise activity skew exponent")->capture_default_str();

  RunFlags replay_flags;
  CLI::App* replay = app.add_subcommand("replay", "replay a trace against an nswsim server, measuring like wrk2");
  replay->add_option("trace", replay_flags.trace, "trace file written by gen")->required();
  replay->add_option("--target", replay_flags.target, "server base URL (http:// or https://)")->required();
  AddRunFlags(replay, replay_flags, true);
  replay->add_option("--run-id", replay_flags.run_id, "resume this run (client references are <run id>-<ref>)");
  replay->add_option("--auth-key-file", replay_flags.auth_key_file,
                     "enterprise-root key file (the server writes <data-dir>/enterprise-root.key)");
  replay->add_option("--admin-key-file", replay_flags.admin_key_file,
                     "admin key file, for the end-of-replay clock advance (--flush)");
  replay->add_option("--flush", replay_flags.flush,
                     "advance a trace-clock server past the last record at the end: auto (unsharded runs with an "
                     "admin key), on, off")
      ->capture_default_str();
  replay->add_option("--submitted-at", replay_flags.submitted_at,
                     "send record timestamps: auto (trace-clock servers), always, never")
      ->capture_default_str();
  replay->add_option("--reorder-window", replay_flags.reorder_window,
                     "send a record only once every record more than this much older (trace time) has been "
                     "answered: auto (the trace-clock server's window, from its stats), a duration, or off")
      ->capture_default_str();
  replay->add_option("--encoding", replay_flags.encoding, "request bodies: protobuf or json")->capture_default_str();
  replay->add_option("--catalog", replay_flags.catalog, "catalog naming each procedure's ministry (default: built-in)");
  replay->add_option("--poll", replay_flags.poll, "poll the status of this share of submitted dossiers (0.1 or 10%)")
      ->capture_default_str();
  replay->add_option("--poll-delay", replay_flags.poll_delay, "wait after a submit (or action) before polling")
      ->capture_default_str();
  replay->add_flag("--actions", replay_flags.actions,
                   "act as the enterprises (server in http enterprise-actions mode): pay, supplement or withdraw as "
                   "the polls reveal");
  replay->add_option("--max-polls", replay_flags.max_polls, "polls per followed dossier (default 1, 20 with --actions)");
  replay->add_option("--max-followups", replay_flags.max_followups, "pending follow-ups; beyond, skipped")
      ->capture_default_str();

  RunFlags url_flags;
  CLI::App* url = app.add_subcommand("url", "load any HTTP endpoint with the same engine (compare with wrk2)");
  url->add_option("url", url_flags.url, "http:// or https:// URL")->required();
  AddRunFlags(url, url_flags, false);
  url->add_option("--method,-m", url_flags.method, "HTTP method")->capture_default_str();
  url->add_option("--header,-H", url_flags.headers, "extra header 'Name: value' (repeatable)");
  url->add_option("--body-file", url_flags.body_file, "request body from a file");
  url->add_option("--expect", url_flags.expect, "status classes that count as success")->capture_default_str();

  ReportFlags merge_flags;
  CLI::App* merge = app.add_subcommand("merge", "add result files of shards or machines, bucket for bucket");
  merge->add_option("inputs", merge_flags.inputs, "results JSON files")->required();
  merge->add_option("--out,-o", merge_flags.out, "merged results JSON")->required();
  merge->add_option("--html", merge_flags.html, "HTML report of the merged results");
  merge->add_option("--threshold", merge_flags.thresholds, "pass/fail on the merged results (exit 99)");
  merge->add_flag("--latency", merge_flags.latency, "print the detailed percentile spectrum");

  ReportFlags report_flags;
  CLI::App* report = app.add_subcommand("report", "print (and render) a results file");
  std::string report_input;
  report->add_option("results", report_input, "results JSON file")->required();
  report->add_option("--html", report_flags.html, "write the HTML report");
  report->add_option("--threshold", report_flags.thresholds, "re-evaluate these thresholds (exit 99)");
  report->add_flag("--latency", report_flags.latency, "print the detailed percentile spectrum");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    std::ostringstream help_out, help_err;
    const int rc = app.exit(e, help_out, help_err);
    std::fputs(help_out.str().c_str(), env.out);
    std::fputs(help_err.str().c_str(), env.err);
    return rc;
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
    const size_t nl = what.find('\n');
    if (nl != std::string::npos) what = what.substr(0, nl);
    std::fprintf(env.err, "nsw-loadgen: %s (see --help)\n", what.c_str());
    return kExitUsage;
  }

  try {
    if (gen->parsed()) return RunGen(env, gen_flags);
    if (replay->parsed()) return RunReplay(env, replay_flags);
    if (url->parsed()) return RunUrl(env, url_flags);
    if (merge->parsed()) return RunMerge(env, merge_flags);
    if (report->parsed()) {
      report_flags.inputs = {report_input};
      return RunReport(env, report_flags);
    }
    throw UsageError{"no command given"};
  } catch (const UsageError& e) {
    std::fprintf(env.err, "nsw-loadgen: %s\n", e.message.c_str());
    return kExitUsage;
  } catch (const RuntimeError& e) {
    std::fprintf(env.err, "nsw-loadgen: %s\n", e.message.c_str());
    return kExitFailure;
  }
}

}  // namespace nsw::loadgen
