// WorkingCalendar: when a ministry's officers work, and arithmetic in working
// time. ALWAYS works every microsecond; OFFICE_HOURS works Monday to Friday
// in [open, close) local time at a fixed UTC offset, except on holidays (the
// ministry's own plus the catalog's national ones).
//
// Everything is expressed through one monotone map W(t): the working time
// elapsed from a fixed origin to instant t. Working time between a and b is
// W(b) - W(a); a review of S working seconds started at t ends at the first
// instant whose W is W(t) + S (so it may end exactly at closing time); a
// deadline is a point on the W axis, which is why a stopped deadline clock is
// just an offset. W costs O(log holidays): whole weeks are counted in closed
// form and holidays by binary search, so spans of decades are as cheap as
// spans of minutes. Immutable after construction; safe to share.
#ifndef NSW_SERVER_DOMAIN_CALENDAR_H_
#define NSW_SERVER_DOMAIN_CALENDAR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "proto/nsw.pb.h"
#include "proto/status.h"

namespace nsw {

class WorkingCalendar {
 public:
  // ALWAYS.
  WorkingCalendar() = default;

  // From a catalog Calendar (unset optional fields take their documented
  // defaults: UTC+7, 08:00-17:00) plus the catalog-wide holidays. Malformed
  // dates or hours are an InvalidArgument naming them.
  static Status Create(const Calendar& calendar, const std::vector<std::string>& national_holidays,
                       WorkingCalendar* out);

  bool always() const { return always_; }
  // Working time in one working day: 24 h for ALWAYS, close - open otherwise.
  int64_t working_micros_per_day() const { return day_working_us_; }

  // Working microseconds from the origin to t (monotone, non-decreasing).
  int64_t WorkingCoordinate(int64_t t) const { return always_ ? t : OfficeCoordinate(t); }
  // The earliest instant whose working coordinate is w, where w is reached by
  // working (for w on a day boundary this is the closing instant of the day
  // that completed it, not the next opening).
  int64_t InstantOfCoordinate(int64_t w) const;

  bool IsWorking(int64_t t) const { return always_ || OfficeIsWorking(t); }
  // t itself when working, else the start of the next working period.
  int64_t NextWorkingInstant(int64_t t) const;
  // Working time in [from, to); 0 when to <= from.
  int64_t WorkingTimeBetween(int64_t from, int64_t to) const;
  // The instant reached after `working` microseconds of work starting at t;
  // t itself for working <= 0.
  int64_t AddWorkingTime(int64_t t, int64_t working) const {
    if (working <= 0) return t;
    return always_ ? t + working : InstantOfCoordinate(OfficeCoordinate(t) + working);
  }

 private:
  // The OFFICE_HOURS halves of the inline ALWAYS fast paths above.
  int64_t OfficeCoordinate(int64_t t) const;
  bool OfficeIsWorking(int64_t t) const;
  // Days are local days numbered from 1970-01-01 (a Thursday).
  int64_t LocalDay(int64_t t, int64_t* micros_into_day) const;
  bool IsWorkingDay(int64_t day) const;
  // Working days in [0, day) (negative for day < 0).
  int64_t WorkingDaysBefore(int64_t day) const;
  // The working day with exactly n working days before it.
  int64_t NthWorkingDay(int64_t n) const;
  int64_t HolidaysBefore(int64_t day) const;
  // The untabulated days (or all, when there is no table).
  int64_t HolidaysBeforeOutsideTable(int64_t day) const;
  int64_t HolidaysUpTo(int64_t day) const;

  bool always_ = true;
  int64_t offset_us_ = 0;
  int64_t open_us_ = 0;
  int64_t close_us_ = 0;
  int64_t day_working_us_ = 24LL * 3600 * 1000000;
  std::vector<int64_t> holidays_;  // sorted unique local days, weekdays only
  // holidays_before_[i]: holidays before day table_first_ + i, for the days
  // from the first holiday to the day after the last. Empty when there are
  // no holidays or their span exceeds kMaxTableDays.
  static constexpr int64_t kMaxTableDays = 1 << 17;  // ~360 years, 512 KB
  int64_t table_first_ = 0;
  std::vector<int32_t> holidays_before_;
};

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_CALENDAR_H_
