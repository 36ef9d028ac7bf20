// Tests of nsw::Catalog (proto/catalog.h): the built-in default catalog's
// shape and sizing, every validation refusal with its reported line, the
// normalization of defaults and holidays, the fingerprint, and FromFile.
#include "proto/catalog.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "proto/default_catalog.h"

namespace nsw {
namespace {

// A small valid catalog, one field per line, so a test can change line N and
// expect an error on line N.
const std::vector<std::string> kBaseLines = {
    /*  1 */ "ministries {",
    /*  2 */ "  code: \"MOA\"",
    /*  3 */ "  name: \"Ministry A\"",
    /*  4 */ "  officers: 3",
    /*  5 */ "  calendar { kind: OFFICE_HOURS }",
    /*  6 */ "  queue_policy: FIFO",
    /*  7 */ "}",
    /*  8 */ "ministries {",
    /*  9 */ "  code: \"MOB\"",
    /* 10 */ "  name: \"Ministry B\"",
    /* 11 */ "  officers: 2",
    /* 12 */ "  calendar { kind: ALWAYS }",
    /* 13 */ "  queue_policy: EDF",
    /* 14 */ "}",
    /* 15 */ "procedures {",
    /* 16 */ "  code: \"MOA.FIRST\"",
    /* 17 */ "  ministry: \"MOA\"",
    /* 18 */ "  name: \"First\"",
    /* 19 */ "  service_time { kind: LOGNORMAL mean: 600 cv: 0.5 }",
    /* 20 */ "  deadline { working_hours: 8 }",
    /* 21 */ "  approve_probability: 0.8",
    /* 22 */ "  reject_probability: 0.05",
    /* 23 */ "  supplement_probability: 0.15",
    /* 24 */ "  fee_vnd: 0",
    /* 25 */ "  fee_payment_delay { kind: EXPONENTIAL mean: 3600 }",
    /* 26 */ "  supplement_delay { kind: FIXED mean: 86400 }",
    /* 27 */ "  withdraw_probability: 0.02",
    /* 28 */ "  popularity: 10",
    /* 29 */ "  payload_bytes { kind: LOGNORMAL mean: 2000 cv: 0.7 }",
    /* 30 */ "}",
    /* 31 */ "procedures {",
    /* 32 */ "  code: \"MOB.SECOND\"",
    /* 33 */ "  ministry: \"MOB\"",
    /* 34 */ "  name: \"Second\"",
    /* 35 */ "  service_time { kind: EXPONENTIAL mean: 1200 }",
    /* 36 */ "  deadline { working_days: 3 }",
    /* 37 */ "  approve_probability: 0.9",
    /* 38 */ "  reject_probability: 0.1",
    /* 39 */ "  supplement_probability: 0",
    /* 40 */ "  fee_vnd: 1500000",
    /* 41 */ "  fee_payment_delay { kind: LOGNORMAL mean: 7200 cv: 1 }",
    /* 42 */ "  supplement_delay { kind: LOGNORMAL mean: 86400 cv: 1.2 }",
    /* 43 */ "  withdraw_probability: 0",
    /* 44 */ "  popularity: 2.5",
    /* 45 */ "  payload_bytes { kind: FIXED mean: 1024 }",
    /* 46 */ "}",
};

class Text {
 public:
  Text() : lines_(kBaseLines) {}
  // Replaces line n (1-based); `text` may hold several lines.
  Text& Set(int n, const std::string& text) {
    lines_.at(n - 1) = text;
    return *this;
  }
  std::string str() const {
    std::string s;
    for (const auto& l : lines_) s += l + "\n";
    return s;
  }

 private:
  std::vector<std::string> lines_;
};

bool AllOf(std::string_view s, const char* alphabet) {
  return !s.empty() && s.find_first_not_of(alphabet) == std::string_view::npos;
}

// ministry prefix + "06" + five digits, e.g. BGTVT0600001.
bool IsRealNswCode(const std::string& code) {
  for (const char* prefix : {"BTC", "BCT", "BNNPTNT", "BYT", "BGTVT", "BTNMT", "BKHCN", "BTTTT", "BVHTTDL", "BCA", "BQP",
                             "NHNN", "VCCI"}) {
    const std::string p = std::string(prefix) + "06";
    if (code.size() == p.size() + 5 && code.rfind(p, 0) == 0 && AllOf(std::string_view(code).substr(p.size()), "0123456789")) {
      return true;
    }
  }
  return false;
}

Status Load(const std::string& text, Catalog* out = nullptr) {
  Catalog c;
  Status s = Catalog::FromText(text, "test.textproto", &c);
  if (out != nullptr) *out = c;
  return s;
}

// Expects the catalog to be refused with exactly one line
// "test.textproto:<line>: ..." whose reason contains `reason`.
void ExpectRefused(const std::string& text, int line, const std::string& reason) {
  const Status s = Load(text);
  ASSERT_FALSE(s.ok()) << "accepted:\n" << text;
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  const std::string prefix = "test.textproto:" + std::to_string(line) + ": ";
  EXPECT_EQ(s.message().rfind(prefix, 0), 0u) << "want prefix '" << prefix << "', got: " << s.message();
  EXPECT_NE(s.message().find(reason), std::string::npos) << "want '" << reason << "' in: " << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << "not one line: " << s.message();
}

// ----------------------------------------------------------- the default

class DefaultCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Catalog::Default(&catalog_).ok()); }
  int Index(const std::string& code) const {
    const int i = catalog_.procedure_index(code);
    EXPECT_GE(i, 0) << code;
    return i;
  }
  const Procedure& Proc(const std::string& code) const { return catalog_.procedure(Index(code)); }
  const Ministry& MinistryOf(const std::string& code) const { return catalog_.ministry(catalog_.ministry_of(Index(code))); }
  Catalog catalog_;
};

TEST_F(DefaultCatalogTest, LoadsThirteenMinistriesAnd198Procedures) {
  EXPECT_EQ(catalog_.ministry_count(), 13);
  EXPECT_EQ(catalog_.procedure_count(), 198);
  std::set<std::string> codes;
  for (int i = 0; i < catalog_.ministry_count(); ++i) codes.insert(catalog_.ministry(i).code());
  EXPECT_EQ(codes, (std::set<std::string>{"MOF", "MOIT", "MARD", "MOH", "MOT", "MONRE", "MOST", "MIC", "MOCST", "MPS",
                                          "MOD", "SBV", "VCCI"}));
  Catalog again;
  ASSERT_TRUE(Catalog::FromText(kDefaultCatalogText, kDefaultCatalogName, &again).ok());
  EXPECT_EQ(again.fingerprint(), catalog_.fingerprint());
}

TEST_F(DefaultCatalogTest, EveryMinistryHasProcedures) {
  std::vector<int> per_ministry(catalog_.ministry_count(), 0);
  for (int p = 0; p < catalog_.procedure_count(); ++p) {
    const int m = catalog_.ministry_of(p);
    ASSERT_GE(m, 0);
    EXPECT_EQ(catalog_.ministry(m).code(), catalog_.procedure(p).ministry());
    ++per_ministry[m];
  }
  for (int m = 0; m < catalog_.ministry_count(); ++m) EXPECT_GT(per_ministry[m], 0) << catalog_.ministry(m).code();
}

TEST_F(DefaultCatalogTest, ProbabilitiesSumToOneAndStayRealistic) {
  for (const Procedure& p : catalog_.proto().procedures()) {
    const double sum = p.approve_probability() + p.reject_probability() + p.supplement_probability();
    EXPECT_NEAR(sum, 1.0, 1e-9) << p.code();
    EXPECT_GE(p.approve_probability(), 0.7) << p.code();
    EXPECT_LE(p.supplement_probability(), 0.2) << p.code();
    EXPECT_GT(p.withdraw_probability(), 0) << p.code();
    EXPECT_LE(p.withdraw_probability(), 0.03) << p.code();
    EXPECT_GE(p.payload_bytes().mean(), 1000) << p.code();
    EXPECT_LE(p.payload_bytes().mean(), 4096) << p.code();
  }
}

// The sizing rule written in proto/gen_default_catalog.py: ~2,400 dossiers a
// working day in 9 office hours, split by popularity; each costs its mean
// service time once per review, 1 / (1 - supplement) reviews.
TEST_F(DefaultCatalogTest, OfficeHoursUtilisationFitsEveryMinistry) {
  const double per_hour = 3'000'000.0 / (5 * 250) / 9;
  double total_popularity = 0;
  for (const Procedure& p : catalog_.proto().procedures()) total_popularity += p.popularity();
  std::vector<double> load(catalog_.ministry_count(), 0);
  for (int i = 0; i < catalog_.procedure_count(); ++i) {
    const Procedure& p = catalog_.procedure(i);
    const double lambda = per_hour * p.popularity() / total_popularity;
    load[catalog_.ministry_of(i)] += lambda * (p.service_time().mean() / 3600) / (1 - p.supplement_probability());
  }
  for (int m = 0; m < catalog_.ministry_count(); ++m) {
    const double utilisation = load[m] / catalog_.ministry(m).officers();
    EXPECT_LT(utilisation, 0.9) << catalog_.ministry(m).code();
    EXPECT_GT(utilisation, 0.4) << catalog_.ministry(m).code() << " is overstaffed";
  }
}

TEST_F(DefaultCatalogTest, HeadlineProceduresFollowTheDomainFacts) {
  const Procedure& co = Proc("MOIT.CO-FORM-D");
  EXPECT_EQ(co.deadline().working_hours(), 6);
  EXPECT_EQ(co.real_code(), "BCT0600001");
  EXPECT_EQ(Proc("MARD.PHYTO-EXPORT").deadline().working_hours(), 24);
  const Procedure& food = Proc("MOH.FOOD-IMPORT-TIGHT");
  EXPECT_EQ(food.deadline().working_days(), 3);
  EXPECT_EQ(food.fee_vnd(), 1500000);
  EXPECT_EQ(Proc("MOH.MEDICAL-DEVICE-IMPORT").deadline().working_days(), 15);
  for (const char* ship : {"MOT.SHIP-ARRIVAL", "MOT.SHIP-DEPARTURE"}) {
    EXPECT_EQ(Proc(ship).deadline().working_hours(), 2) << ship;
    EXPECT_EQ(MinistryOf(ship).calendar().kind(), Calendar::ALWAYS) << ship;
  }
  EXPECT_EQ(MinistryOf("MOIT.CO-FORM-D").calendar().kind(), Calendar::OFFICE_HOURS);
  std::set<std::string> real_codes;
  for (const Procedure& p : catalog_.proto().procedures()) {
    EXPECT_TRUE(IsRealNswCode(p.real_code())) << p.code() << " " << p.real_code();
    EXPECT_TRUE(real_codes.insert(p.real_code()).second) << "duplicate " << p.real_code();
    EXPECT_FALSE(p.name().empty()) << p.code();
  }
}

TEST_F(DefaultCatalogTest, PopularityIsZipfSkewedTowardsTheHeadliners) {
  std::vector<std::pair<double, std::string>> by_weight;
  double total = 0;
  for (const Procedure& p : catalog_.proto().procedures()) {
    by_weight.emplace_back(p.popularity(), p.code());
    total += p.popularity();
  }
  std::sort(by_weight.rbegin(), by_weight.rend());
  EXPECT_EQ(by_weight[0].second, "MOIT.CO-FORM-D");
  std::set<std::string> top8;
  double top8_weight = 0;
  for (int i = 0; i < 8; ++i) {
    top8.insert(by_weight[i].second);
    top8_weight += by_weight[i].first;
  }
  for (const char* code : {"MARD.PHYTO-EXPORT", "MOH.FOOD-IMPORT-TIGHT", "MOT.SHIP-ARRIVAL", "MOT.SHIP-DEPARTURE"}) {
    EXPECT_TRUE(top8.count(code)) << code;
  }
  EXPECT_GT(top8_weight / total, 0.35);
  EXPECT_LT(by_weight.back().first / by_weight.front().first, 0.01);
}

TEST_F(DefaultCatalogTest, HolidaysCoverTetAndNationalDaysEveryYear) {
  const auto& h = catalog_.proto().holidays();
  const std::set<std::string> days(h.begin(), h.end());
  for (const char* tet : {"2019-02-05", "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10",
                          "2025-01-29", "2026-02-17"}) {
    EXPECT_TRUE(days.count(tet)) << tet;
  }
  for (int year = 2019; year <= 2026; ++year) {
    const std::string y = std::to_string(year);
    for (const char* md : {"-01-01", "-04-30", "-05-01", "-09-02"}) EXPECT_TRUE(days.count(y + md)) << y + md;
  }
  EXPECT_TRUE(days.count("2021-09-03"));  // the second National Day from 2021
  EXPECT_TRUE(std::is_sorted(h.begin(), h.end()));
}

TEST_F(DefaultCatalogTest, IndicesFindCodesAndRefuseUnknownOnes) {
  const int moit = catalog_.ministry_index("MOIT");
  ASSERT_GE(moit, 0);
  EXPECT_EQ(catalog_.ministry(moit).code(), "MOIT");
  EXPECT_EQ(catalog_.ministry_of(Index("MOIT.CO-FORM-D")), moit);
  EXPECT_EQ(catalog_.ministry_index("MOXX"), -1);
  EXPECT_EQ(catalog_.procedure_index("MOIT.CO-FORM-Z"), -1);
  EXPECT_EQ(catalog_.procedure_index(""), -1);
  for (int i = 0; i < catalog_.procedure_count(); ++i) EXPECT_EQ(catalog_.procedure_index(catalog_.procedure(i).code()), i);
}

// ----------------------------------------------------------- normalization

TEST(CatalogTest, BaseTextLoads) {
  Catalog c;
  ASSERT_TRUE(Load(Text().str(), &c).ok()) << Load(Text().str()).ToString();
  EXPECT_EQ(c.ministry_count(), 2);
  EXPECT_EQ(c.procedure_count(), 2);
  EXPECT_EQ(c.ministry_of(c.procedure_index("MOB.SECOND")), c.ministry_index("MOB"));
}

TEST(CatalogTest, FillsCalendarDefaults) {
  Catalog c;
  ASSERT_TRUE(Load(Text().str(), &c).ok());
  const Calendar& office = c.ministry(c.ministry_index("MOA")).calendar();
  EXPECT_EQ(office.utc_offset_minutes(), 420);
  EXPECT_EQ(office.open_minute(), 480);
  EXPECT_EQ(office.close_minute(), 1020);
  const Calendar& always = c.ministry(c.ministry_index("MOB")).calendar();
  EXPECT_EQ(always.utc_offset_minutes(), 420);
  EXPECT_FALSE(always.has_open_minute());
  // An explicit value is kept.
  ASSERT_TRUE(Load(Text().Set(5, "  calendar { kind: OFFICE_HOURS utc_offset_minutes: 0 close_minute: 960 }").str(), &c).ok());
  EXPECT_EQ(c.ministry(0).calendar().utc_offset_minutes(), 0);
  EXPECT_EQ(c.ministry(0).calendar().open_minute(), 480);
  EXPECT_EQ(c.ministry(0).calendar().close_minute(), 960);
}

TEST(CatalogTest, SortsAndDeduplicatesHolidays) {
  Catalog c;
  const std::string text = "holidays: [\"2024-05-01\", \"2024-01-01\"]\nholidays: \"2024-05-01\"\n" +
                           Text().Set(5, "  calendar { kind: OFFICE_HOURS holidays: [\"2025-02-03\", \"2024-12-31\", \"2025-02-03\"] }").str();
  ASSERT_TRUE(Load(text, &c).ok()) << Load(text).ToString();
  EXPECT_EQ(std::vector<std::string>(c.proto().holidays().begin(), c.proto().holidays().end()),
            (std::vector<std::string>{"2024-01-01", "2024-05-01"}));
  const auto& own = c.ministry(0).calendar().holidays();
  EXPECT_EQ(std::vector<std::string>(own.begin(), own.end()), (std::vector<std::string>{"2024-12-31", "2025-02-03"}));
}

TEST(CatalogTest, AcceptsProbabilitiesWithinTolerance) {
  EXPECT_TRUE(Load(Text().Set(21, "  approve_probability: 0.8000000000001").str()).ok());
  EXPECT_TRUE(Load(Text().Set(21, "approve_probability: 0.1").Set(22, "reject_probability: 0.2")
                       .Set(23, "supplement_probability: 0.7").str()).ok());
}

// ----------------------------------------------------------- fingerprint

TEST(CatalogFingerprintTest, IsLowercaseHexSha256AndStable) {
  Catalog a, b;
  ASSERT_TRUE(Load(Text().str(), &a).ok());
  ASSERT_TRUE(Load(Text().str(), &b).ok());
  EXPECT_EQ(a.fingerprint().size(), 64u);
  EXPECT_TRUE(AllOf(a.fingerprint(), "0123456789abcdef")) << a.fingerprint();
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  Catalog d1, d2;
  ASSERT_TRUE(Catalog::Default(&d1).ok());
  ASSERT_TRUE(Catalog::Default(&d2).ok());
  EXPECT_EQ(d1.fingerprint(), d2.fingerprint());
  EXPECT_NE(d1.fingerprint(), a.fingerprint());
}

TEST(CatalogFingerprintTest, ChangesWithAnySemanticChange) {
  Catalog base;
  ASSERT_TRUE(Load(Text().str(), &base).ok());
  const std::vector<std::pair<int, std::string>> edits = {
      {4, "  officers: 4"},
      {19, "  service_time { kind: LOGNORMAL mean: 601 cv: 0.5 }"},
      {28, "  popularity: 11"},
      {3, "  name: \"Ministry A'\""},
      {13, "  queue_policy: FIFO"},
  };
  for (const auto& [line, text] : edits) {
    Catalog changed;
    ASSERT_TRUE(Load(Text().Set(line, text).str(), &changed).ok()) << text;
    EXPECT_NE(changed.fingerprint(), base.fingerprint()) << text;
  }
}

TEST(CatalogFingerprintTest, IgnoresSpellingOfTheSameCatalog) {
  Catalog base, spelled;
  ASSERT_TRUE(Load("holidays: [\"2024-01-01\", \"2024-05-01\"]\n" + Text().str(), &base).ok());
  // Defaults written out, holidays reordered and repeated, comments, floats
  // spelled differently: the same catalog.
  const std::string text = "# comment\nholidays: \"2024-05-01\"\nholidays: [\"2024-01-01\", \"2024-05-01\"]\n" +
                           Text()
                               .Set(5, "  calendar { kind: OFFICE_HOURS utc_offset_minutes: 420 open_minute: 480 close_minute: 1020 }")
                               .Set(12, "  calendar { kind: ALWAYS utc_offset_minutes: 420 }")
                               .Set(19, "  service_time { mean: 6e2 kind: LOGNORMAL cv: 0.50 }")
                               .str();
  ASSERT_TRUE(Load(text, &spelled).ok()) << Load(text).ToString();
  EXPECT_EQ(spelled.fingerprint(), base.fingerprint());
}

// ----------------------------------------------------------- refusals

TEST(CatalogRefusalTest, SyntaxErrorNamesLineAndColumn) {
  const Status s = Load(Text().Set(4, "  officers: three").str());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("test.textproto:4:13: ", 0), 0u) << s.message();
  const Status unknown = Load(Text().Set(3, "  colour: \"red\"").str());
  EXPECT_EQ(unknown.message().rfind("test.textproto:3:", 0), 0u) << unknown.message();
  EXPECT_NE(unknown.message().find("no field named \"colour\""), std::string::npos) << unknown.message();
  const Status unclosed = Load("ministries {\n  code: \"MOA\"\n");
  EXPECT_EQ(unclosed.message().rfind("test.textproto:3:", 0), 0u) << unclosed.message();
}

TEST(CatalogRefusalTest, NoMinistriesOrNoProcedures) {
  ExpectRefused("", 1, "catalog has no ministries");
  ExpectRefused("# nothing\nname: \"x\"\n", 1, "catalog has no ministries");
  std::string only_ministries;
  for (int i = 0; i < 14; ++i) only_ministries += kBaseLines[i] + "\n";
  ExpectRefused(only_ministries, 1, "catalog has no procedures");
}

TEST(CatalogRefusalTest, MinistryCodes) {
  ExpectRefused(Text().Set(2, "  code: \"\"").str(), 2, "ministry has an empty code");
  ExpectRefused(Text().Set(2, "").str(), 1, "ministry has an empty code");
  ExpectRefused(Text().Set(2, "  code: \"MO.A\"").str(), 2, "ministry code 'MO.A' must be letters, digits");
  ExpectRefused(Text().Set(9, "  code: \"MOA\"").str(), 9, "duplicate ministry code 'MOA' (first on line 2)");
}

TEST(CatalogRefusalTest, Officers) {
  ExpectRefused(Text().Set(4, "  officers: 0").str(), 4, "ministry 'MOA': officers must be > 0, got 0");
  ExpectRefused(Text().Set(11, "  officers: -2").str(), 11, "ministry 'MOB': officers must be > 0, got -2");
  ExpectRefused(Text().Set(11, "").str(), 8, "officers must be > 0");  // absent: the entry's line
  ExpectRefused(Text().Set(4, "  officers: 1000000").str(), 4, "officers must be at most 100000");
}

TEST(CatalogRefusalTest, CalendarAndQueuePolicy) {
  ExpectRefused(Text().Set(5, "  calendar { }").str(), 5, "calendar kind must be ALWAYS or OFFICE_HOURS");
  ExpectRefused(Text().Set(5, "").str(), 1, "calendar kind must be ALWAYS or OFFICE_HOURS");
  ExpectRefused(Text().Set(5, "  calendar {\n    kind: CALENDAR_UNSPECIFIED\n  }").str(), 6, "calendar kind");
  ExpectRefused(Text().Set(6, "  queue_policy: QUEUE_POLICY_UNSPECIFIED").str(), 6, "queue_policy must be FIFO or EDF");
  ExpectRefused(Text().Set(13, "").str(), 8, "ministry 'MOB': queue_policy must be FIFO or EDF");
}

TEST(CatalogRefusalTest, BadCalendarHours) {
  ExpectRefused(Text().Set(5, "  calendar { kind: OFFICE_HOURS open_minute: 600 close_minute: 600 }").str(), 5,
                "calendar open_minute 600 must be before close_minute 600");
  ExpectRefused(Text().Set(5, "  calendar { kind: OFFICE_HOURS open_minute: 1100 }").str(), 5,
                "open_minute 1100 must be before close_minute 1020");
  ExpectRefused(Text().Set(5, "  calendar {\n    kind: OFFICE_HOURS\n    open_minute: -1\n  }").str(), 7,
                "calendar open_minute must be in [0, 1440), got -1");
  ExpectRefused(Text().Set(5, "  calendar { kind: OFFICE_HOURS close_minute: 1500 }").str(), 5,
                "close_minute must be in (0, 1440], got 1500");
  ExpectRefused(Text().Set(5, "  calendar {\n    kind: OFFICE_HOURS\n    utc_offset_minutes: 900\n  }").str(), 7,
                "utc_offset_minutes must be in [-720, 840], got 900");
  ExpectRefused(Text().Set(12, "  calendar { kind: ALWAYS utc_offset_minutes: -800 }").str(), 12, "utc_offset_minutes");
}

TEST(CatalogRefusalTest, MalformedHolidayDates) {
  ExpectRefused(Text().Set(5, "  calendar { kind: OFFICE_HOURS holidays: \"2024-02-30\" }").str(), 5,
                "ministry 'MOA': calendar holiday '2024-02-30' is not a date YYYY-MM-DD");
  ExpectRefused(Text().Set(5, "  calendar {\n    kind: OFFICE_HOURS\n    holidays: [\"2024-02-29\",\n      \"2023-02-29\"]\n  }").str(),
                8, "holiday '2023-02-29'");
  for (const char* bad : {"2024-1-01", "2024-13-01", "2024-00-10", "2024/01/01", "24-01-01", "2024-01-32", "2024-01-0x", ""}) {
    ExpectRefused("holidays: \"" + std::string(bad) + "\"\n" + Text().str(), 1, "holiday '" + std::string(bad) + "' is not a date");
  }
  // In a list spread over lines, the line of the bad value itself.
  ExpectRefused("holidays: [\"2024-01-01\",\n  \"2024-04-30\",\n  \"2024-04-31\"]\nholidays: \"2024-09-02\"\n" + Text().str(), 3,
                "holiday '2024-04-31'");
  ExpectRefused("holidays: [\"2024-01-01\"]\nholidays: \"2024-02-30\"\n" + Text().str(), 2, "holiday '2024-02-30'");
}

TEST(CatalogRefusalTest, ProcedureCodes) {
  ExpectRefused(Text().Set(32, "  code: \"\"").str(), 32, "procedure has an empty code");
  ExpectRefused(Text().Set(32, "  code: \"MOA.FIRST\"").Set(33, "  ministry: \"MOA\"").str(), 32,
                "duplicate procedure code 'MOA.FIRST' (first on line 16)");
  ExpectRefused(Text().Set(32, "  code: \"MOA.SECOND\"").str(), 32, "procedure code 'MOA.SECOND' must be 'MOB.SHORT-NAME'");
  ExpectRefused(Text().Set(32, "  code: \"SECOND\"").str(), 32, "procedure code 'SECOND' must be 'MOB.SHORT-NAME'");
  ExpectRefused(Text().Set(32, "  code: \"MOB.\"").str(), 32, "must be 'MOB.SHORT-NAME'");
  ExpectRefused(Text().Set(32, "  code: \"MOB.SEC.OND\"").str(), 32, "must be 'MOB.SHORT-NAME'");
  ExpectRefused(Text().Set(32, "  code: \"MOBX.SECOND\"").str(), 32, "must be 'MOB.SHORT-NAME'");
}

TEST(CatalogRefusalTest, UnknownOrMissingMinistry) {
  ExpectRefused(Text().Set(33, "  ministry: \"MOXX\"").str(), 33, "procedure 'MOB.SECOND': unknown ministry 'MOXX'");
  ExpectRefused(Text().Set(17, "").str(), 15, "procedure 'MOA.FIRST': ministry is missing");
}

TEST(CatalogRefusalTest, ServiceTimeAndDelays) {
  ExpectRefused(Text().Set(19, "  service_time { kind: LOGNORMAL mean: 0 cv: 0.5 }").str(), 19,
                "procedure 'MOA.FIRST': service_time mean must be > 0, got 0");
  ExpectRefused(Text().Set(19, "").str(), 15, "service_time is missing");
  ExpectRefused(Text().Set(19, "  service_time { mean: 600 }").str(), 19, "service_time kind must be FIXED, EXPONENTIAL or LOGNORMAL");
  ExpectRefused(Text().Set(19, "  service_time { kind: EXPONENTIAL mean: 600 cv: -1 }").str(), 19, "service_time cv must be >= 0, got -1");
  ExpectRefused(Text().Set(19, "  service_time { kind: LOGNORMAL mean: 600 }").str(), 19, "service_time is LOGNORMAL and needs cv > 0");
  ExpectRefused(Text().Set(19, "  service_time {\n    kind: EXPONENTIAL\n    mean: -5\n  }").str(), 21, "mean must be > 0, got -5");
  ExpectRefused(Text().Set(19, "  service_time { kind: FIXED mean: nan }").str(), 19, "mean must be > 0, got nan");
  ExpectRefused(Text().Set(41, "  fee_payment_delay { kind: LOGNORMAL mean: -7200 cv: 1 }").str(), 41,
                "procedure 'MOB.SECOND': fee_payment_delay mean must be > 0");
  ExpectRefused(Text().Set(42, "").str(), 31, "supplement_delay is missing");
  ExpectRefused(Text().Set(26, "  supplement_delay { kind: FIXED mean: 0 }").str(), 26, "supplement_delay mean must be > 0");
  ExpectRefused(Text().Set(29, "").str(), 15, "payload_bytes is missing");
  ExpectRefused(Text().Set(45, "  payload_bytes { kind: FIXED }").str(), 45, "payload_bytes mean must be > 0");
}

TEST(CatalogRefusalTest, Deadline) {
  ExpectRefused(Text().Set(20, "").str(), 15, "deadline is missing");
  ExpectRefused(Text().Set(20, "  deadline { }").str(), 20, "deadline must set exactly one of working_hours and working_days");
  ExpectRefused(Text().Set(20, "  deadline { working_hours: 8 working_days: 1 }").str(), 20, "exactly one");
  ExpectRefused(Text().Set(36, "  deadline {\n    working_days: -3\n  }").str(), 37, "deadline working_days must be > 0, got -3");
  ExpectRefused(Text().Set(36, "  deadline { working_days: 0 working_hours: 0 }").str(), 36, "exactly one");
}

TEST(CatalogRefusalTest, OutcomeProbabilities) {
  ExpectRefused(Text().Set(22, "  reject_probability: -0.05").str(), 22, "reject_probability must be in [0, 1], got -0.05");
  ExpectRefused(Text().Set(21, "  approve_probability: 0.75").str(), 21,
                "outcome probabilities sum to 0.95 (approve 0.75 + reject 0.05 + supplement 0.15), not 1");
  ExpectRefused(Text().Set(21, "  approve_probability: 0.800001").str(), 21, "not 1");
  ExpectRefused(Text().Set(37, "").str(), 31, "outcome probabilities sum to 0.1");  // approve missing: the entry's line
  ExpectRefused(Text().Set(37, "approve_probability: 0").Set(38, "reject_probability: 0").Set(39, "supplement_probability: 1").str(), 39,
                "supplement_probability must be < 1");
  ExpectRefused(Text().Set(37, "approve_probability: 1.5").Set(38, "reject_probability: -0.5").str(), 37,
                "approve_probability must be in [0, 1], got 1.5");
}

TEST(CatalogRefusalTest, WithdrawFeePopularity) {
  ExpectRefused(Text().Set(27, "  withdraw_probability: 1").str(), 27, "withdraw_probability must be in [0, 1), got 1");
  ExpectRefused(Text().Set(27, "  withdraw_probability: -0.01").str(), 27, "withdraw_probability must be in [0, 1)");
  ExpectRefused(Text().Set(40, "  fee_vnd: -1").str(), 40, "procedure 'MOB.SECOND': fee_vnd must be >= 0, got -1");
  ExpectRefused(Text().Set(28, "  popularity: 0").str(), 28, "popularity must be > 0, got 0");
  ExpectRefused(Text().Set(44, "  popularity: -3").str(), 44, "popularity must be > 0, got -3");
  ExpectRefused(Text().Set(44, "").str(), 31, "popularity must be > 0");
  ExpectRefused(Text().Set(28, "  popularity: inf").str(), 28, "popularity must be > 0, got inf");
}

// TextFormat keeps one location per field occurrence, so entries written in
// list syntax are located through their own fields.
TEST(CatalogRefusalTest, LinesOfEntriesWrittenInListSyntax) {
  std::string text = "ministries: [\n  { code: \"MOA\" officers: 1 calendar { kind: ALWAYS } queue_policy: FIFO },\n"
                     "  { code: \"MOB\"\n    officers: 0 calendar { kind: ALWAYS } queue_policy: FIFO }\n]\n";
  ExpectRefused(text, 4, "ministry 'MOB': officers must be > 0");
  text = "ministries: [\n  { code: \"MOA\" officers: 1 calendar { kind: ALWAYS } queue_policy: FIFO },\n"
         "  { code: \"MOB\"\n    officers: 2 calendar { kind: ALWAYS } }\n]\n";
  ExpectRefused(text, 3, "ministry 'MOB': queue_policy must be FIFO or EDF");
}

// ----------------------------------------------------------- files

class CatalogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "catalog_test_" + std::to_string(::getpid());
    ASSERT_EQ(::mkdir(dir_.c_str(), 0700) == 0 || errno == EEXIST, true);
  }
  void TearDown() override {
    for (const auto& f : files_) ::unlink(f.c_str());
    ::rmdir(dir_.c_str());
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }
  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(CatalogFileTest, LoadsAFileAndNamesItInErrors) {
  Catalog c;
  const std::string good = Write("good.textproto", Text().str());
  ASSERT_TRUE(Catalog::FromFile(good, &c).ok());
  Catalog from_text;
  ASSERT_TRUE(Load(Text().str(), &from_text).ok());
  EXPECT_EQ(c.fingerprint(), from_text.fingerprint());

  const std::string bad = Write("bad.textproto", Text().Set(11, "  officers: 0").str());
  const Status s = Catalog::FromFile(bad, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), bad + ":11: ministry 'MOB': officers must be > 0, got 0");
}

TEST_F(CatalogFileTest, MissingOrUnreadableFileNamesFileAndErrno) {
  Catalog c;
  const std::string missing = dir_ + "/absent.textproto";
  Status s = Catalog::FromFile(missing, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find(missing), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("No such file or directory"), std::string::npos) << s.message();

  s = Catalog::FromFile(dir_, &c);  // a directory opens but cannot be read
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsIoError()) << s.ToString();
  EXPECT_NE(s.message().find("Is a directory"), std::string::npos) << s.message();
}

TEST_F(CatalogFileTest, FailedLoadLeavesTheOutputUntouched) {
  Catalog c;
  ASSERT_TRUE(Catalog::Default(&c).ok());
  const std::string before = c.fingerprint();
  EXPECT_FALSE(Catalog::FromFile(Write("broken.textproto", "ministries {"), &c).ok());
  EXPECT_EQ(c.fingerprint(), before);
  EXPECT_EQ(c.procedure_count(), 198);
}

}  // namespace
}  // namespace nsw
