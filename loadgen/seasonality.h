// Seasonality: when dossiers arrive in generated traces. A day's weight is
// the product of a weekday factor (few weekend dossiers), a month-end rush,
// the pre-Tết surge (the three weeks before Lunar New Year rise to the
// peak, the Tết holiday itself is nearly empty, the week after recovers),
// public holidays (quiet), a yearly growth trend; within a day, arrivals
// follow an hourly profile of local time with office hours 08-17 and a
// lunch dip. Days are local (UTC+7 by default) days since 1970-01-01.
// Immutable after construction: safe to share between threads.
#ifndef NSW_LOADGEN_SEASONALITY_H_
#define NSW_LOADGEN_SEASONALITY_H_

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "proto/status.h"

namespace nsw::loadgen {

struct SeasonalityOptions {
  int utc_offset_minutes = 420;     // local time of the traffic: UTC+7
  double saturday = 0.15;           // relative to a weekday
  double sunday = 0.04;
  double holiday = 0.08;            // a public holiday, relative to its weekday
  double month_end_boost = 0.6;     // extra on the month's last day, decaying over ~3 days before
  double tet_surge = 0.9;           // extra at the peak, 3 days before Lunar New Year
  int tet_surge_days = 21;          // the surge starts this many days before
  double tet_holiday = 0.05;        // 2 days before to 4 days after Lunar New Year
  double tet_recovery = 0.7;        // 5 to 9 days after
  double annual_growth = 0.15;      // traffic grows 15 % a year
};

// Local date (days since 1970-01-01) of the first day of the Lunar New Year
// (Tết) of `year`; false outside the table (2019-2030).
bool LunarNewYearDay(int year, int64_t* day);
// 0 = Sunday ... 6 = Saturday.
int WeekdayOf(int64_t day);

class Seasonality {
 public:
  // `holidays`: local dates "YYYY-MM-DD" (the catalog's) in addition to the
  // fixed national ones (1 Jan, 30 Apr, 1 May, 2 Sep). `first_day` is the
  // day growth is measured from.
  static Status Create(const SeasonalityOptions& options, const std::vector<std::string>& holidays,
                       int64_t first_day, Seasonality* out);

  // The day's relative weight (no noise).
  double DayWeight(int64_t day) const;
  bool IsHoliday(int64_t day) const;
  // Days before the next Lunar New Year (0 on the day itself); large when
  // unknown.
  int DaysBeforeTet(int64_t day) const;
  // Relative arrival weight of each local hour 0..23.
  const std::array<double, 24>& hour_weights() const { return hour_weights_; }
  const SeasonalityOptions& options() const { return options_; }

 private:
  SeasonalityOptions options_;
  std::set<int64_t> holidays_;
  std::vector<int64_t> tet_days_;
  int64_t first_day_ = 0;
  std::array<double, 24> hour_weights_{};
};

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_SEASONALITY_H_
