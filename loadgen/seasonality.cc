// Seasonality (see seasonality.h). The factors are estimates shaped after
// customs declaration patterns (DOMAIN.md "Skew and seasonality"); tests
// check the shape (office-hours, weekday shares, the surge), not the
// exact constants.
#include "loadgen/seasonality.h"

#include <cmath>

#include "proto/units.h"

namespace nsw::loadgen {
namespace {

// First day of the Lunar New Year in Vietnam, 2019-2030.
struct TetDate {
  int year;
  unsigned month;
  unsigned day;
};
constexpr TetDate kTetDates[] = {
    {2019, 2, 5},  {2020, 1, 25}, {2021, 2, 12}, {2022, 2, 1},  {2023, 1, 22}, {2024, 2, 10},
    {2025, 1, 29}, {2026, 2, 17}, {2027, 2, 6},  {2028, 1, 26}, {2029, 2, 13}, {2030, 2, 3},
};

// Local-hour profile: nights nearly empty, the morning peak at 09-11, a
// lunch dip 12-13, the afternoon peak at 14-16, evenings tapering.
constexpr std::array<double, 24> kHourWeights = {
    0.02, 0.01, 0.01, 0.01, 0.01, 0.02,  // 00-05
    0.05, 0.15, 0.75, 1.30, 1.45, 1.20,  // 06-11
    0.45, 0.95, 1.35, 1.35, 1.10, 0.40,  // 12-17
    0.20, 0.12, 0.10, 0.08, 0.05, 0.03,  // 18-23
};

Status ParseDate(const std::string& text, int64_t* day) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3 || m < 1 ||
      m > 12 || d < 1 || d > 31) {
    return Status::InvalidArgument("holiday '" + text + "' is not a date YYYY-MM-DD");
  }
  *day = DaysFromCivil(y, m, d);
  return Status::OK();
}

}  // namespace

bool LunarNewYearDay(int year, int64_t* day) {
  for (const auto& t : kTetDates) {
    if (t.year == year) {
      *day = DaysFromCivil(t.year, t.month, t.day);
      return true;
    }
  }
  return false;
}

int WeekdayOf(int64_t day) {
  // 1970-01-01 was a Thursday (4).
  int64_t w = (day + 4) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

Status Seasonality::Create(const SeasonalityOptions& options, const std::vector<std::string>& holidays,
                           int64_t first_day, Seasonality* out) {
  Seasonality s;
  s.options_ = options;
  s.first_day_ = first_day;
  s.hour_weights_ = kHourWeights;
  for (const auto& text : holidays) {
    int64_t day = 0;
    Status st = ParseDate(text, &day);
    if (!st.ok()) return st;
    s.holidays_.insert(day);
  }
  for (const auto& t : kTetDates) {
    s.tet_days_.push_back(DaysFromCivil(t.year, t.month, t.day));
    for (auto [m, d] : {std::pair{1u, 1u}, {4u, 30u}, {5u, 1u}, {9u, 2u}}) {
      s.holidays_.insert(DaysFromCivil(t.year, m, d));
    }
  }
  *out = std::move(s);
  return Status::OK();
}

bool Seasonality::IsHoliday(int64_t day) const { return holidays_.count(day) != 0; }

int Seasonality::DaysBeforeTet(int64_t day) const {
  int best = 1 << 20;
  for (int64_t t : tet_days_) {
    const int64_t k = t - day;
    if (k >= -30 && std::abs(k) < std::abs(best)) best = static_cast<int>(k);
  }
  return best;
}

double Seasonality::DayWeight(int64_t day) const {
  const auto& o = options_;
  double w = 1.0;
  switch (WeekdayOf(day)) {
    case 0: w = o.sunday; break;
    case 6: w = o.saturday; break;
    case 2: case 3: w = 1.05; break;  // mid-week slightly busier
    case 5: w = 0.95; break;
    default: break;
  }
  if (IsHoliday(day)) w *= o.holiday;

  int year = 0;
  unsigned month = 0, dom = 0;
  CivilFromDays(day, &year, &month, &dom);
  // Days to the month's last day: 0 on the last day.
  int to_month_end = 0;
  for (int64_t d = day + 1;; ++d) {
    int yy = 0;
    unsigned mm = 0, dd = 0;
    CivilFromDays(d, &yy, &mm, &dd);
    if (mm != month) break;
    ++to_month_end;
  }
  w *= 1.0 + o.month_end_boost * std::exp(-to_month_end / 1.5);

  const int k = DaysBeforeTet(day);
  if (k >= 3 && k <= o.tet_surge_days) {
    w *= 1.0 + o.tet_surge * static_cast<double>(o.tet_surge_days - k) / (o.tet_surge_days - 3);
  } else if (k >= -4 && k <= 2) {
    w *= o.tet_holiday;
  } else if (k >= -9 && k <= -5) {
    w *= o.tet_recovery;
  }

  w *= std::pow(1.0 + o.annual_growth, static_cast<double>(day - first_day_) / 365.25);
  return w;
}

}  // namespace nsw::loadgen
