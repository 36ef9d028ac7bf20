// Trace generation and files: determinism per seed, the realism of the
// model (enterprise skew, office hours, weekdays, the pre-Tết surge), frame
// checksums, truncation, and the CSV round trip with every bad-row error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

#include "loadgen/cli.h"
#include "loadgen/enterprises.h"
#include "loadgen/seasonality.h"
#include "loadgen/trace_csv.h"
#include "loadgen/trace_file.h"
#include "loadgen/trace_gen.h"
#include "proto/catalog.h"
#include "proto/units.h"
#include "tests/loadgen/collecting_sink.h"

namespace nsw::loadgen {
namespace {

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/loadgen_" + std::to_string(getpid()) + "_" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

const Catalog& DefaultCatalog() {
  static const Catalog* catalog = [] {
    auto* c = new Catalog();
    Status s = Catalog::Default(c);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return c;
  }();
  return *catalog;
}

Status Generate(const GenOptions& o, const std::string& path) {
  std::unique_ptr<TraceWriter> w;
  Status s = TraceWriter::Open(path, &w);
  if (!s.ok()) return s;
  s = GenerateTrace(o, DefaultCatalog(), w.get());
  if (!s.ok()) return s;
  return w->Close();
}

GenOptions Small(uint64_t seed) {
  GenOptions o;
  o.dossiers = 20000;
  o.enterprises = 500;
  o.days = 60;
  o.seed = seed;
  return o;
}

TEST(TraceGen, SameSeedSameBytesOtherSeedDiffers) {
  const std::string a = TempPath("a.pb"), b = TempPath("b.pb"), c = TempPath("c.pb");
  ASSERT_TRUE(Generate(Small(7), a).ok());
  ASSERT_TRUE(Generate(Small(7), b).ok());
  ASSERT_TRUE(Generate(Small(8), c).ok());
  const std::string da = ReadFile(a), db = ReadFile(b), dc = ReadFile(c);
  EXPECT_GT(da.size(), 20000u * 10);
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
  std::remove(a.c_str());
  std::remove(b.c_str());
  std::remove(c.c_str());
}

TEST(TraceGen, ExactCountSortedAndWithinTables) {
  CollectingSink sink;
  GenOptions o = Small(3);
  ASSERT_TRUE(GenerateTrace(o, DefaultCatalog(), &sink).ok());
  ASSERT_EQ(sink.records.size(), o.dossiers);
  EXPECT_EQ(sink.header.dossiers(), o.dossiers);
  EXPECT_EQ(sink.header.procedures_size(), DefaultCatalog().procedure_count());
  EXPECT_EQ(sink.header.catalog_fingerprint(), DefaultCatalog().fingerprint());
  EXPECT_EQ(sink.header.start_us(), kDefaultTraceStartUs);
  for (size_t i = 1; i < sink.records.size(); ++i) {
    ASSERT_LE(sink.records[i - 1].at_us(), sink.records[i].at_us()) << i;
  }
  for (const auto& r : sink.records) {
    ASSERT_LT(r.enterprise(), o.enterprises);
    ASSERT_LT(r.procedure(), static_cast<uint32_t>(sink.header.procedures_size()));
    ASSERT_GE(r.at_us(), 0);
    ASSERT_LT(r.at_us(), int64_t{o.days} * kMicrosPerDay);
    ASSERT_GE(r.payload_bytes(), 1u);
  }
}

TEST(TraceGen, RealismSkewOfficeHoursWeekdaysAndTet) {
  // Two years (covering Tết 2020 and 2021); small enough for sanitizers.
  GenOptions o;
  o.dossiers = 200000;
  o.enterprises = 4000;
  o.days = 731;
  o.seed = 11;
  CollectingSink sink;
  ASSERT_TRUE(GenerateTrace(o, DefaultCatalog(), &sink).ok());
  const int64_t offset = int64_t{420} * 60 * kMicrosPerSecond;

  // Enterprise skew: the top 10 % of enterprises file most dossiers.
  std::vector<uint64_t> per_enterprise(o.enterprises);
  std::map<int64_t, uint64_t> per_day;
  uint64_t office = 0, weekday = 0, lunch = 0, ten_to_eleven = 0;
  for (const auto& r : sink.records) {
    ++per_enterprise[r.enterprise()];
    const int64_t local = sink.header.start_us() + r.at_us() + offset;
    const int64_t day = local / kMicrosPerDay;
    const int64_t hour = local % kMicrosPerDay / kMicrosPerHour;
    ++per_day[day];
    const int wd = WeekdayOf(day);
    if (wd >= 1 && wd <= 5) ++weekday;
    if (hour >= 8 && hour < 17) ++office;
    if (hour == 12) ++lunch;
    if (hour == 10) ++ten_to_eleven;
  }
  std::sort(per_enterprise.rbegin(), per_enterprise.rend());
  uint64_t top = 0;
  for (size_t i = 0; i < per_enterprise.size() / 10; ++i) top += per_enterprise[i];
  const double n = static_cast<double>(o.dossiers);
  RecordProperty("top10_share", std::to_string(top / n));
  std::printf("top 10%% share %.3f, largest %.3f, office %.3f, weekday %.3f\n", top / n, per_enterprise[0] / n,
              office / n, weekday / n);
  EXPECT_GT(top / n, 0.6) << "top 10% share";
  EXPECT_GT(per_enterprise[0] / n, 0.05) << "the largest filer";
  EXPECT_GT(office / n, 0.80) << "office-hours share";
  EXPECT_GT(weekday / n, 0.92) << "weekday share";
  EXPECT_LT(lunch * 2, ten_to_eleven) << "lunch dip";

  // Month-end rush: weekdays among a month's last three days against
  // weekdays of days 10-20, over the months clear of Tết.
  {
    double end_sum = 0, mid_sum = 0;
    int end_days = 0, mid_days = 0;
    for (const auto& [day, count] : per_day) {
      int y = 0;
      unsigned m = 0, d = 0;
      CivilFromDays(day, &y, &m, &d);
      int y3 = 0;
      unsigned m3 = 0, d3 = 0;
      CivilFromDays(day + 3, &y3, &m3, &d3);
      const int wd = WeekdayOf(day);
      if (wd == 0 || wd == 6 || m <= 2) continue;
      if (m3 != m) {
        end_sum += static_cast<double>(count);
        ++end_days;
      } else if (d >= 10 && d <= 20) {
        mid_sum += static_cast<double>(count);
        ++mid_days;
      }
    }
    ASSERT_GT(end_days, 0);
    ASSERT_GT(mid_days, 0);
    EXPECT_GT(end_sum / end_days, 1.15 * (mid_sum / mid_days)) << "month-end rush";
  }

  // Pre-Tết surge: weekdays of the two weeks before Tết against weekdays
  // four to eight weeks before; the holiday itself is quiet.
  for (int year : {2020, 2021}) {
    int64_t tet = 0;
    ASSERT_TRUE(LunarNewYearDay(year, &tet));
    auto weekday_mean = [&](int64_t from, int64_t to) {
      double sum = 0;
      int days = 0;
      for (int64_t d = from; d <= to; ++d) {
        const int wd = WeekdayOf(d);
        if (wd == 0 || wd == 6) continue;
        sum += static_cast<double>(per_day[d]);
        ++days;
      }
      return days ? sum / days : 0.0;
    };
    const double surge = weekday_mean(tet - 14, tet - 4);
    const double before = weekday_mean(tet - 56, tet - 28);
    const double holiday = static_cast<double>(per_day[tet] + per_day[tet + 1] + per_day[tet + 2]) / 3;
    if (year == 2020) {
      // Trace starts 2020-01-01: only the surge and the holiday are inside.
      EXPECT_GT(holiday * 5, 0) << "sanity";
      EXPECT_LT(holiday, surge / 5) << year;
      continue;
    }
    std::printf("%d: surge %.0f/day, before %.0f/day, holiday %.0f/day\n", year, surge, before, holiday);
    EXPECT_GT(surge, 1.3 * before) << year << " surge " << surge << " before " << before;
    EXPECT_LT(holiday, before / 5) << year;
  }
}

int64_t MaxGapUs(const std::vector<TraceRecord>& records) {
  int64_t gap = 0;
  for (size_t i = 1; i < records.size(); ++i) gap = std::max(gap, records[i].at_us() - records[i - 1].at_us());
  return gap;
}

// A small trace across Tết 2024 (10 February): the model alone leaves the
// holiday week empty, longer than a trace-clock server's default
// --max-jump (7 days); the daily floor fills every empty day with one
// record of an around-the-clock ministry's procedure, keeping the exact
// count, the order and the determinism.
TEST(TraceGen, DailyFloorLeavesNoGapLongerThanAWeekAcrossTet) {
  GenOptions o;
  o.dossiers = 120;
  o.enterprises = 30;
  o.days = 60;
  o.start_us = 1705251600LL * 1'000'000;  // 2024-01-15T00:00:00+07:00
  o.seed = 5;
  constexpr int64_t kWeekUs = 7 * kMicrosPerDay;
  o.daily_floor = false;
  CollectingSink model;
  ASSERT_TRUE(GenerateTrace(o, DefaultCatalog(), &model).ok());
  ASSERT_EQ(model.records.size(), o.dossiers);
  EXPECT_GT(MaxGapUs(model.records), kWeekUs) << "the model alone should leave Tết empty here";

  o.daily_floor = true;
  CollectingSink floored, again;
  ASSERT_TRUE(GenerateTrace(o, DefaultCatalog(), &floored).ok());
  ASSERT_TRUE(GenerateTrace(o, DefaultCatalog(), &again).ok());
  ASSERT_EQ(floored.records.size(), o.dossiers);
  EXPECT_LE(MaxGapUs(floored.records), kWeekUs);
  // Every day has a record (more dossiers than days).
  std::vector<int> per_day(o.days, 0);
  for (size_t i = 0; i < floored.records.size(); ++i) {
    const auto& r = floored.records[i];
    if (i > 0) {
      ASSERT_LE(floored.records[i - 1].at_us(), r.at_us());
    }
    ++per_day[static_cast<size_t>(r.at_us() / kMicrosPerDay)];
    ASSERT_EQ(r.SerializeAsString(), again.records[i].SerializeAsString()) << i;
  }
  for (uint32_t d = 0; d < o.days; ++d) EXPECT_GT(per_day[d], 0) << "day " << d;
  // The added records belong to ministries that work around the clock.
  const Catalog& c = DefaultCatalog();
  std::map<int64_t, int> model_per_day;
  for (const auto& r : model.records) ++model_per_day[r.at_us() / kMicrosPerDay];
  int floor_records = 0;
  for (const auto& r : floored.records) {
    const int64_t day = r.at_us() / kMicrosPerDay;
    if (model_per_day.count(day) > 0) continue;
    ++floor_records;
    const int ministry = c.ministry_of(c.procedure_index(floored.header.procedures(static_cast<int>(r.procedure()))));
    EXPECT_EQ(c.ministry(ministry).calendar().kind(), Calendar::ALWAYS) << c.ministry(ministry).code();
  }
  EXPECT_GT(floor_records, 0);

  // Fewer dossiers than days: at most 5 empty days in a row.
  o.dossiers = 60;
  o.days = 120;
  CollectingSink sparse;
  ASSERT_TRUE(GenerateTrace(o, DefaultCatalog(), &sparse).ok());
  ASSERT_EQ(sparse.records.size(), 60u);
  EXPECT_LT(MaxGapUs(sparse.records), kWeekUs);
}

// A trace without an empty day (no Tết, a few hundred dossiers a day) is
// the model's alone: the floor changes nothing.
TEST(TraceGen, DailyFloorLeavesDenseTracesUnchanged) {
  GenOptions o = Small(9);
  o.days = 30;
  o.start_us = 1583024400LL * 1'000'000;  // 2020-03-01T00:00:00+07:00
  CollectingSink with, without;
  ASSERT_TRUE(GenerateTrace(o, DefaultCatalog(), &with).ok());
  o.daily_floor = false;
  ASSERT_TRUE(GenerateTrace(o, DefaultCatalog(), &without).ok());
  ASSERT_EQ(with.records.size(), without.records.size());
  for (size_t i = 0; i < with.records.size(); ++i) {
    ASSERT_EQ(with.records[i].SerializeAsString(), without.records[i].SerializeAsString()) << i;
  }
}

TEST(TraceGen, TaxCodesAreTenDigitsAndUnique) {
  std::set<std::string> seen;
  for (uint64_t i = 0; i < 50000; ++i) {
    const std::string code = EnterpriseTaxCode(42, i);
    ASSERT_EQ(code.size(), 10u);
    ASSERT_EQ(code.find_first_not_of("0123456789"), std::string::npos);
    ASSERT_TRUE(seen.insert(code).second) << code;
  }
  EXPECT_EQ(EnterpriseTaxCode(42, 7), EnterpriseTaxCode(42, 7));
  EXPECT_NE(EnterpriseTaxCode(42, 7), EnterpriseTaxCode(43, 7));
}

TEST(TraceFile, RoundTripAndSkip) {
  const std::string path = TempPath("rt.pb");
  ASSERT_TRUE(Generate(Small(5), path).ok());
  CollectingSink expected;
  ASSERT_TRUE(GenerateTrace(Small(5), DefaultCatalog(), &expected).ok());
  std::unique_ptr<TraceReader> r;
  ASSERT_TRUE(TraceReader::Open(path, &r).ok());
  EXPECT_EQ(r->header().seed(), 5u);
  EXPECT_EQ(r->TaxCode(3), EnterpriseTaxCode(5, 3));
  TraceRecord rec;
  bool end = false;
  size_t i = 0;
  for (;; ++i) {
    Status s = (i % 3 == 1) ? r->Skip(&end) : r->Next(&rec, &end);
    ASSERT_TRUE(s.ok()) << s.ToString();
    if (end) break;
    if (i % 3 != 1) {
      ASSERT_EQ(rec.SerializeAsString(), expected.records[i].SerializeAsString()) << i;
    }
  }
  EXPECT_EQ(i, expected.records.size());
  std::remove(path.c_str());
}

Status ReadAll(const std::string& path) {
  std::unique_ptr<TraceReader> r;
  Status s = TraceReader::Open(path, &r);
  if (!s.ok()) return s;
  TraceRecord rec;
  for (bool end = false; !end;) {
    s = r->Next(&rec, &end);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

TEST(TraceFile, DetectsDamageTruncationAndZeroTail) {
  const std::string path = TempPath("dmg.pb");
  ASSERT_TRUE(Generate(Small(9), path).ok());
  const std::string good = ReadFile(path);
  ASSERT_TRUE(ReadAll(path).ok());

  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x40;
  WriteFile(path, flipped);
  Status s = ReadAll(path);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  WriteFile(path, good.substr(0, good.size() - 1000));
  s = ReadAll(path);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  // Cut at a frame boundary: the count in the header catches it. Find the
  // last frame boundary by reading the frames' lengths.
  WriteFile(path, good + std::string(4096, '\0'));
  s = ReadAll(path);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  WriteFile(path, "not a trace at all, just text");
  s = ReadAll(path);
  EXPECT_FALSE(s.ok());
  std::remove(path.c_str());
}

TEST(TraceFile, FrameBoundaryTruncationIsCaughtByTheCount) {
  const std::string path = TempPath("cut.pb");
  std::unique_ptr<TraceWriter> w;
  ASSERT_TRUE(TraceWriter::Open(path, &w).ok());
  TraceHeader h;
  h.set_dossiers(3);
  h.set_enterprises(1);
  h.add_procedures("MOIT.X");
  ASSERT_TRUE(w->WriteHeader(h).ok());
  TraceRecord r;
  r.set_client_ref("a");
  r.set_payload_bytes(1);
  ASSERT_TRUE(w->Append(r).ok());
  ASSERT_TRUE(w->Append(r).ok());
  const uint64_t two_records = w->bytes();
  ASSERT_TRUE(w->Append(r).ok());
  ASSERT_TRUE(w->Close().ok());
  const std::string good = ReadFile(path);
  WriteFile(path, good.substr(0, two_records));
  Status s = ReadAll(path);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("announces 3"), std::string::npos) << s.ToString();
  std::remove(path.c_str());
}

TEST(TraceFile, WriterRefusesAWrongCount) {
  const std::string path = TempPath("count.pb");
  std::unique_ptr<TraceWriter> w;
  ASSERT_TRUE(TraceWriter::Open(path, &w).ok());
  TraceHeader h;
  h.set_dossiers(2);
  ASSERT_TRUE(w->WriteHeader(h).ok());
  ASSERT_TRUE(w->Append(TraceRecord()).ok());
  EXPECT_FALSE(w->Close().ok());
  w.reset();
  EXPECT_FALSE(std::ifstream(path).good()) << "no partial trace left behind";
}

// ---------------------------------------------------------------- CSV

TEST(TraceCsv, RoundTripKeepsEveryField) {
  CollectingSink original;
  GenOptions o = Small(21);
  o.dossiers = 3000;
  ASSERT_TRUE(GenerateTrace(o, DefaultCatalog(), &original).ok());
  const std::string csv = TempPath("rt.csv");
  {
    std::unique_ptr<CsvTraceWriter> w;
    ASSERT_TRUE(CsvTraceWriter::Open(csv, &w).ok());
    ASSERT_TRUE(w->WriteHeader(original.header).ok());
    for (const auto& r : original.records) ASSERT_TRUE(w->Append(r).ok());
    ASSERT_TRUE(w->Close().ok());
  }
  CollectingSink imported;
  CsvImportOptions io;
  io.start_us = original.header.start_us();
  Status s = ImportCsv(csv, DefaultCatalog(), io, &imported);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(imported.records.size(), original.records.size());
  EXPECT_EQ(imported.header.start_us(), original.header.start_us());
  for (size_t i = 0; i < original.records.size(); ++i) {
    const auto& a = original.records[i];
    const auto& b = imported.records[i];
    ASSERT_EQ(a.at_us(), b.at_us()) << i;
    ASSERT_EQ(EnterpriseTaxCode(original.header.seed(), a.enterprise()),
              imported.header.enterprise_tax_codes(static_cast<int>(b.enterprise())))
        << i;
    ASSERT_EQ(original.header.procedures(static_cast<int>(a.procedure())),
              imported.header.procedures(static_cast<int>(b.procedure())));
    ASSERT_EQ(a.client_ref(), b.client_ref());
    ASSERT_EQ(a.payload_bytes(), b.payload_bytes());
  }
  std::remove(csv.c_str());
}

// `gen` (generating or importing) warns on stderr when two consecutive
// submissions are more than 7 days apart (a trace-clock server's default
// --max-jump), and stays quiet otherwise.
TEST(TraceCli, GenWarnsOfAGapLongerThanAWeek) {
  const std::string code = DefaultCatalog().procedure(0).code();
  auto gen_from = [&](const std::string& rows, std::string* err) {
    const std::string csv = TempPath("gap.csv"), out = TempPath("gap.pb");
    WriteFile(csv, std::string(kCsvHeader) + "\n" + rows);
    std::vector<std::string> args = {"nsw-loadgen", "gen", "--from-csv", csv, "--out", out};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::FILE* o = std::tmpfile();
    std::FILE* e = std::tmpfile();
    CliEnvironment env;
    env.out = o;
    env.err = e;
    const int rc = RunLoadgenCli(static_cast<int>(argv.size()), argv.data(), env);
    std::rewind(e);
    err->clear();
    char buf[1024];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, e)) > 0;) err->append(buf, n);
    std::fclose(o);
    std::fclose(e);
    std::remove(csv.c_str());
    std::remove(out.c_str());
    return rc;
  };
  std::string err;
  // 0, 6 days, 14 days: the second gap is 8 days.
  ASSERT_EQ(gen_from("0,0123456789," + code + ",a,10\n518400,0123456789," + code + ",b,10\n1209600,0123456789," +
                         code + ",c,10\n",
                     &err),
            0)
      << err;
  EXPECT_NE(err.find("warning: the trace has a gap of 8d"), std::string::npos) << err;
  EXPECT_NE(err.find("--max-jump"), std::string::npos) << err;
  ASSERT_EQ(gen_from("0,0123456789," + code + ",a,10\n604800,0123456789," + code + ",b,10\n", &err), 0) << err;
  EXPECT_EQ(err, "") << "a gap of exactly 7 days is accepted by the server";
  // Generated traces get the same check; with the daily floor a small one
  // across Tết stays quiet.
  std::vector<std::string> args = {"nsw-loadgen", "gen",  "--out",   TempPath("tet.pb"), "--dossiers", "120",
                                   "--enterprises", "30", "--days", "60",
                                   "--start", "2024-01-15T00:00:00+07:00", "--seed", "5"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::FILE* o = std::tmpfile();
  std::FILE* e = std::tmpfile();
  CliEnvironment env;
  env.out = o;
  env.err = e;
  EXPECT_EQ(RunLoadgenCli(static_cast<int>(argv.size()), argv.data(), env), 0);
  EXPECT_EQ(std::ftell(e), 0) << "no warning expected";
  std::fclose(o);
  std::fclose(e);
  std::remove(TempPath("tet.pb").c_str());
}

TEST(TraceCsv, SecondsFromStartAndQuotedFields) {
  const std::string csv = TempPath("secs.csv");
  const std::string code = DefaultCatalog().procedure(0).code();
  WriteFile(csv, std::string(kCsvHeader) + "\r\n0.5,0123456789," + code + ",\"a,\"\"b\",10\r\n" +
                     "2020-01-01T00:00:02+07:00,0123456789," + code + ",c,0\n\n");
  CollectingSink t;
  Status s = ImportCsv(csv, DefaultCatalog(), CsvImportOptions(), &t);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(t.records.size(), 2u);
  EXPECT_EQ(t.header.start_us(), kDefaultTraceStartUs);
  EXPECT_EQ(t.records[0].at_us(), 500000);
  EXPECT_EQ(t.records[0].client_ref(), "a,\"b");
  EXPECT_EQ(t.records[1].at_us(), 2000000);
  EXPECT_EQ(t.header.enterprise_tax_codes(0), "0123456789");
  std::remove(csv.c_str());
}

struct BadRow {
  std::string row;
  std::string reason;  // expected in the message
};

TEST(TraceCsv, EachBadRowIsNamedWithItsLine) {
  const std::string code = DefaultCatalog().procedure(0).code();
  const std::string ok_row = "2020-01-02T09:00:00+07:00,0123456789," + code + ",r1,10";
  const std::vector<BadRow> cases = {
      {"2020-01-02T09:00:00+07:00,0123456789," + code + ",r2", "expected 5 fields"},
      {"yesterday,0123456789," + code + ",r2,10", "column 'at'"},
      {"2020-01-02T08:00:00+07:00,0123456789," + code + ",r2,10", "time order"},
      {"2020-01-02T09:00:00+07:00,12345," + code + ",r2,10", "column 'enterprise'"},
      {"2020-01-02T09:00:00+07:00,0123456789,NOPE.X,r2,10", "unknown procedure 'NOPE.X'"},
      {"2020-01-02T09:00:00+07:00,0123456789," + code + ",,10", "column 'client_ref': empty"},
      {"2020-01-02T09:00:00+07:00,0123456789," + code + "," + std::string(56, 'x') + ",10", "at most 55"},
      {"2020-01-02T09:00:00+07:00,0123456789," + code + ",r1,10", "repeats for enterprise"},
      {"2020-01-02T09:00:00+07:00,0123456789," + code + ",r2,-3", "column 'payload_bytes'"},
      {"2020-01-02T09:00:00+07:00,0123456789," + code + ",r2,99999999999", "larger than the limit"},
      {"2020-01-02T09:00:00+07:00,0123456789," + code + ",\"r2,10", "unterminated quoted field"},
  };
  const std::string csv = TempPath("bad.csv");
  for (const auto& c : cases) {
    WriteFile(csv, std::string(kCsvHeader) + "\n" + ok_row + "\n" + c.row + "\n");
    CollectingSink t;
    Status s = ImportCsv(csv, DefaultCatalog(), CsvImportOptions(), &t);
    ASSERT_FALSE(s.ok()) << c.row;
    EXPECT_NE(s.message().find(csv + ":3: "), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(c.reason), std::string::npos) << s.message();
  }
  WriteFile(csv, "when,who\n");
  CollectingSink t;
  Status s = ImportCsv(csv, DefaultCatalog(), CsvImportOptions(), &t);
  EXPECT_NE(s.message().find(":1: expected the header"), std::string::npos) << s.message();
  std::remove(csv.c_str());
}

}  // namespace
}  // namespace nsw::loadgen
