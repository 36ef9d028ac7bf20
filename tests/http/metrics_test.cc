// GET /metrics through a real Router and NswService: the HTTP counters carry
// the route and status labels the observer saw, the simulation and journal
// figures match GetStats and counters() at scrape time, every family has HELP
// and TYPE, every line parses against the text exposition grammar, and (when
// promtool is installed) `promtool check metrics` accepts a scrape.
#include "server/http/metrics.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/http/http_test_util.h"

namespace nsw::http::testing {
namespace {

using bhttp::status;
using bhttp::verb;

struct ParsedSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> help;  // family -> help text
  std::map<std::string, std::string> type;  // family -> type
  std::vector<ParsedSample> samples;
  std::vector<std::string> errors;  // lines that do not follow the grammar
};

bool NameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool NameChar(char c) { return NameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

// metric_name [ "{" label_name "=" `"` label_value `"` { "," ... } [ "," ] "}" ] value [ timestamp ]
bool ParseSample(const std::string& line, ParsedSample* out) {
  size_t i = 0;
  if (i >= line.size() || !NameStart(line[i])) return false;
  while (i < line.size() && NameChar(line[i])) ++i;
  out->name = line.substr(0, i);
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      size_t start = i;
      if (!(std::isalpha(static_cast<unsigned char>(line[i])) || line[i] == '_')) return false;
      while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_')) ++i;
      std::string label = line.substr(start, i - start);
      if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') return false;
      i += 2;
      std::string value;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\') {
          if (i + 1 >= line.size()) return false;
          char e = line[i + 1];
          if (e == 'n') value += '\n';
          else if (e == '\\' || e == '"') value += e;
          else return false;
          i += 2;
        } else {
          value += line[i++];
        }
      }
      if (i >= line.size()) return false;
      ++i;  // closing quote
      if (!out->labels.emplace(label, value).second) return false;  // duplicate label
      if (i < line.size() && line[i] == ',') ++i;
      else if (i < line.size() && line[i] != '}') return false;
    }
    if (i >= line.size()) return false;
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return false;
  ++i;
  size_t end = line.find(' ', i);
  std::string value = line.substr(i, end == std::string::npos ? std::string::npos : end - i);
  if (value == "+Inf") out->value = HUGE_VAL;
  else if (value == "-Inf") out->value = -HUGE_VAL;
  else if (value == "NaN") out->value = NAN;
  else {
    if (value.empty()) return false;
    char* stop = nullptr;
    out->value = strtod(value.c_str(), &stop);
    if (*stop != '\0') return false;
  }
  if (end != std::string::npos) {  // timestamp: an integer
    std::string ts = line.substr(end + 1);
    if (ts.empty()) return false;
    for (size_t k = ts[0] == '-' ? 1 : 0; k < ts.size(); ++k) {
      if (!std::isdigit(static_cast<unsigned char>(ts[k]))) return false;
    }
  }
  return true;
}

// The family a sample belongs to: histogram and summary samples carry a suffix.
std::string FamilyOf(const Exposition& e, const std::string& name) {
  if (e.type.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      if (e.type.count(base)) return base;
    }
  }
  return std::string();
}

Exposition Parse(const std::string& text) {
  Exposition e;
  std::istringstream in(text);
  std::string line;
  const std::set<std::string> types = {"counter", "gauge", "histogram", "summary", "untyped"};
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::string rest = line.substr(7);
      size_t sp = rest.find(' ');
      std::string name = rest.substr(0, sp);
      std::string arg = sp == std::string::npos ? std::string() : rest.substr(sp + 1);
      bool name_ok = !name.empty() && NameStart(name[0]);
      for (char c : name) name_ok = name_ok && NameChar(c);
      if (!name_ok) {
        e.errors.push_back(line);
      } else if (line[2] == 'H') {
        e.help[name] = arg;
      } else if (!types.count(arg) || e.type.count(name)) {
        e.errors.push_back(line);  // unknown type or a second TYPE line
      } else {
        e.type[name] = arg;
      }
      continue;
    }
    if (line[0] == '#') continue;  // a comment
    ParsedSample sample;
    if (!ParseSample(line, &sample) || FamilyOf(e, sample.name).empty()) {
      e.errors.push_back(line);  // malformed, or a sample before its TYPE
      continue;
    }
    e.samples.push_back(std::move(sample));
  }
  return e;
}

// The value of the sample `name` with exactly `labels`; -1 when absent.
double Value(const Exposition& e, const std::string& name, const std::map<std::string, std::string>& labels) {
  for (const ParsedSample& s : e.samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return -1;
}

CompletedRequest Finished(Route route, int status, int64_t micros) {
  CompletedRequest r;
  r.route = route;
  r.status = status;
  r.duration_micros = micros;
  r.method = "GET";
  r.target = "/";
  return r;
}

class MetricsTest : public ::testing::Test {
 protected:
  MetricsTest() : metrics_(&h_.service(), Options()) { metrics_.Register(&h_.router()); }

  static MetricsOptions Options() {
    MetricsOptions options;
    options.open_connections = [] { return int64_t{7}; };
    return options;
  }

  // Serves `request` and reports it to the metrics, as the session does.
  Response Serve(const Request& request, int64_t micros = 1500) {
    Response response = h_.Call(request);
    Exchange exchange;
    Response refusal;
    // The route the session would report: whatever Prepare decided, 404s included.
    h_.router().Prepare(request, !request.body().empty(), &exchange, &refusal);
    metrics_.OnRequest(Finished(exchange.route, response.result_int(), micros));
    return response;
  }

  Exposition ScrapeOverHttp() {
    Response r = h_.Call(h_.Make(verb::get, "/metrics", ""));
    EXPECT_EQ(r.result(), status::ok);
    EXPECT_EQ(r[bhttp::field::content_type], kMetricsContentType);
    return Parse(r.body());
  }

  RouterHarness h_;
  Metrics metrics_;
};

TEST_F(MetricsTest, CountsRequestsByRouteAndStatusWithDurations) {
  for (int i = 0; i < 3; ++i) {
    Response r = Serve(h_.Post("/v1/dossiers", Submission("m-" + std::to_string(i)), Encoding::kProtobuf));
    ASSERT_EQ(r.result(), status::accepted);
  }
  ASSERT_EQ(Serve(h_.Make(verb::get, "/nowhere", "")).result(), status::not_found);
  ASSERT_EQ(Serve(h_.Make(verb::get, "/healthz", ""), 250).result(), status::ok);

  Exposition e = ScrapeOverHttp();
  EXPECT_TRUE(e.errors.empty()) << e.errors.front();
  EXPECT_EQ(Value(e, "nsw_http_requests_total", {{"route", "submit"}, {"status", "202"}}), 3);
  EXPECT_EQ(Value(e, "nsw_http_requests_total", {{"route", "none"}, {"status", "404"}}), 1);
  EXPECT_EQ(Value(e, "nsw_http_requests_total", {{"route", "healthz"}, {"status", "200"}}), 1);
  EXPECT_EQ(Value(e, "nsw_http_requests_total", {{"route", "submit"}, {"status", "200"}}), -1);
  EXPECT_EQ(Value(e, "nsw_http_request_duration_seconds_count", {{"route", "submit"}}), 3);
  EXPECT_DOUBLE_EQ(Value(e, "nsw_http_request_duration_seconds_sum", {{"route", "submit"}}), 3 * 0.0015);
  // 1.5 ms falls in the 2.5 ms bucket, not the 1 ms one; 250 us in 0.25 ms.
  EXPECT_EQ(Value(e, "nsw_http_request_duration_seconds_bucket", {{"route", "submit"}, {"le", "0.001"}}), 0);
  EXPECT_EQ(Value(e, "nsw_http_request_duration_seconds_bucket", {{"route", "submit"}, {"le", "0.0025"}}), 3);
  EXPECT_EQ(Value(e, "nsw_http_request_duration_seconds_bucket", {{"route", "healthz"}, {"le", "0.00025"}}), 1);
  EXPECT_EQ(Value(e, "nsw_http_request_duration_seconds_bucket", {{"route", "submit"}, {"le", "+Inf"}}), 3);
  EXPECT_EQ(Value(e, "nsw_http_open_connections", {}), 7);
}

TEST_F(MetricsTest, SimulationAndJournalFiguresMatchTheServiceAtScrapeTime) {
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(Serve(h_.Post("/v1/dossiers", Submission("s-" + std::to_string(i)), Encoding::kProtobuf)).result(),
              status::accepted);
  }
  Exposition e = ScrapeOverHttp();
  Stats stats;
  h_.service().GetStats(&stats);
  NswService::Counters c = h_.service().counters();
  ASSERT_GT(stats.ministries_size(), 0);
  EXPECT_EQ(Value(e, "nsw_accepted_dossiers", {}), 4);
  EXPECT_EQ(Value(e, "nsw_journal_records_total", {}), static_cast<double>(c.journal.records));
  EXPECT_GE(c.journal.records, 4u);
  EXPECT_EQ(Value(e, "nsw_journal_bytes_total", {}), static_cast<double>(c.journal.bytes));
  EXPECT_GE(Value(e, "nsw_journal_syncs_total", {}), 0);
  EXPECT_GE(Value(e, "nsw_journal_sync_seconds_total", {}), 0);

  double arrivals = 0;
  for (const GroupStats& g : stats.ministries()) {
    const std::string& m = g.code();
    EXPECT_EQ(Value(e, "nsw_arrivals_total", {{"ministry", m}}), static_cast<double>(g.arrivals())) << m;
    EXPECT_EQ(Value(e, "nsw_queue_depth", {{"ministry", m}}), static_cast<double>(g.queue_depth())) << m;
    EXPECT_EQ(Value(e, "nsw_busy_officers", {{"ministry", m}}), static_cast<double>(g.busy_officers())) << m;
    EXPECT_EQ(Value(e, "nsw_officers", {{"ministry", m}}), static_cast<double>(g.officers())) << m;
    EXPECT_GT(g.officers(), 0u);
    for (const char* outcome : {"approved", "rejected", "withdrawn"}) {
      EXPECT_GE(Value(e, "nsw_dossiers_total", {{"ministry", m}, {"outcome", outcome}}), 0) << m << outcome;
    }
    EXPECT_EQ(Value(e, "nsw_deadline_breaches_total", {{"ministry", m}}), static_cast<double>(g.deadline_breaches()));
    EXPECT_EQ(Value(e, "nsw_late_arrivals_total", {{"ministry", m}}), static_cast<double>(g.late_arrivals()));
    for (const char* q : {"0.5", "0.9", "0.99"}) {
      EXPECT_GE(Value(e, "nsw_wait_simulated_seconds", {{"ministry", m}, {"quantile", q}}), 0) << m << q;
    }
    EXPECT_EQ(Value(e, "nsw_wait_simulated_seconds_count", {{"ministry", m}}), static_cast<double>(g.wait().count()));
    EXPECT_NEAR(Value(e, "nsw_wait_simulated_seconds_sum", {{"ministry", m}}),
                g.wait().mean_seconds() * static_cast<double>(g.wait().count()), 1e-6);
    arrivals += static_cast<double>(g.arrivals());
  }
  // Every submission went to MOIT (Submission's default procedure).
  EXPECT_EQ(arrivals, Value(e, "nsw_arrivals_total", {{"ministry", "MOIT"}}));
}

TEST_F(MetricsTest, EveryFamilyHasHelpAndTypeAndCountersEndInTotal) {
  ASSERT_EQ(Serve(h_.Post("/v1/dossiers", Submission("t-1"), Encoding::kProtobuf)).result(), status::accepted);
  Exposition e = ScrapeOverHttp();
  EXPECT_TRUE(e.errors.empty()) << e.errors.front();
  EXPECT_GE(e.type.size(), 20u);
  for (const auto& [name, type] : e.type) {
    EXPECT_FALSE(e.help[name].empty()) << name;
    EXPECT_EQ(name.rfind("nsw_", 0), 0u) << name;
    bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    EXPECT_EQ(type == "counter", total) << name << " " << type;
  }
  for (const char* name : {"nsw_http_requests_total", "nsw_http_request_duration_seconds", "nsw_dossiers_total",
                           "nsw_arrivals_total", "nsw_queue_depth", "nsw_busy_officers",
                           "nsw_wait_simulated_seconds", "nsw_deadline_breaches_total", "nsw_late_arrivals_total",
                           "nsw_journal_syncs_total", "nsw_journal_records_total", "nsw_journal_sync_seconds_total",
                           "nsw_journal_bytes_total", "nsw_http_open_connections"}) {
    EXPECT_TRUE(e.type.count(name)) << name;
  }
  EXPECT_EQ(e.type["nsw_http_request_duration_seconds"], "histogram");
  EXPECT_EQ(e.type["nsw_wait_simulated_seconds"], "summary");
}

TEST_F(MetricsTest, TheGrammarCheckRejectsMalformedLines) {
  // The parser itself must catch what it claims to check.
  Exposition e = Parse(
      "# TYPE a_total counter\n"
      "# HELP a_total x\n"
      "a_total{l=\"v\"} 1\n"
      "a_total{l=\"v\" 1\n"
      "a_total{1l=\"v\"} 1\n"
      "a_total 1x\n"
      "b_total 1\n"
      "# TYPE c bogus\n");
  EXPECT_EQ(e.samples.size(), 1u);
  EXPECT_EQ(e.errors.size(), 5u);
}

TEST_F(MetricsTest, PromtoolAcceptsAScrape) {
  if (system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "promtool not installed";
  ASSERT_EQ(Serve(h_.Post("/v1/dossiers", Submission("p-1"), Encoding::kProtobuf)).result(), status::accepted);
  Serve(h_.Make(verb::get, "/nowhere", ""));
  Response r = h_.Call(h_.Make(verb::get, "/metrics", ""));
  TempDir dir;
  std::string file = dir.path() + "/scrape.txt";
  std::string out = dir.path() + "/promtool.txt";
  {
    std::ofstream f(file);
    f << r.body();
  }
  std::string command = "promtool check metrics < '" + file + "' > '" + out + "' 2>&1";
  int rc = system(command.c_str());
  std::ifstream report(out);
  std::stringstream text;
  text << report.rdbuf();
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << text.str();
}

}  // namespace
}  // namespace nsw::http::testing
