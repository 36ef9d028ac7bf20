// WorkingCalendar: closed-form weekday counting plus a sorted holiday list.
// Local days are numbered from 1970-01-01, a Thursday; shifting by 3 makes day
// -3 a Monday, so "weekdays before" is 5 per whole week plus the remainder
// capped at 5.
#include "server/domain/calendar.h"

#include <algorithm>
#include <cstdio>

#include "proto/units.h"

namespace nsw {
namespace {

constexpr int64_t kDayUs = 24LL * 3600 * 1000000;
constexpr int64_t kMinuteUs = 60LL * 1000000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

// Monday..Friday in [0, day), signed.
int64_t WeekdaysBefore(int64_t day) {
  const int64_t e = day + 3;
  return 5 * FloorDiv(e, 7) + std::min<int64_t>(FloorMod(e, 7), 5) - 3;
}

// The weekday with exactly n weekdays in [0, it).
int64_t NthWeekday(int64_t n) {
  const int64_t e = n + 3;
  return 7 * FloorDiv(e, 5) + FloorMod(e, 5) - 3;
}

bool IsWeekday(int64_t day) { return FloorMod(day + 3, 7) < 5; }

bool ParseDate(const std::string& text, int64_t* day) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  if (std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) return false;
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  *day = DaysFromCivil(y, m, d);
  int yy = 0;
  unsigned mm = 0, dd = 0;
  CivilFromDays(*day, &yy, &mm, &dd);
  return yy == y && mm == m && dd == d;  // refuses 2021-02-30
}

}  // namespace

Status WorkingCalendar::Create(const Calendar& calendar,
                               const std::vector<std::string>& national_holidays,
                               WorkingCalendar* out) {
  WorkingCalendar c;
  if (calendar.kind() == Calendar::ALWAYS) {
    *out = c;
    return Status::OK();
  }
  if (calendar.kind() != Calendar::OFFICE_HOURS) {
    return Status::InvalidArgument("calendar kind must be ALWAYS or OFFICE_HOURS");
  }
  const int offset = calendar.has_utc_offset_minutes() ? calendar.utc_offset_minutes() : 420;
  const int open = calendar.has_open_minute() ? calendar.open_minute() : 480;
  const int close = calendar.has_close_minute() ? calendar.close_minute() : 1020;
  if (offset < -14 * 60 || offset > 14 * 60) {
    return Status::InvalidArgument("utc_offset_minutes " + std::to_string(offset) +
                                   " outside [-840, 840]");
  }
  if (open < 0 || close > 1440 || open >= close) {
    return Status::InvalidArgument("office hours need 0 <= open_minute < close_minute <= 1440, got " +
                                   std::to_string(open) + ".." + std::to_string(close));
  }
  c.always_ = false;
  c.offset_us_ = offset * kMinuteUs;
  c.open_us_ = open * kMinuteUs;
  c.close_us_ = close * kMinuteUs;
  c.day_working_us_ = c.close_us_ - c.open_us_;
  auto add = [&c](const std::string& text) -> Status {
    int64_t day = 0;
    if (!ParseDate(text, &day)) return Status::InvalidArgument("bad holiday date '" + text + "' (want YYYY-MM-DD)");
    if (IsWeekday(day)) c.holidays_.push_back(day);  // weekends are closed anyway
    return Status::OK();
  };
  for (const std::string& h : calendar.holidays()) {
    Status s = add(h);
    if (!s.ok()) return s;
  }
  for (const std::string& h : national_holidays) {
    Status s = add(h);
    if (!s.ok()) return s;
  }
  std::sort(c.holidays_.begin(), c.holidays_.end());
  c.holidays_.erase(std::unique(c.holidays_.begin(), c.holidays_.end()), c.holidays_.end());
  if (!c.holidays_.empty() && c.holidays_.back() - c.holidays_.front() < kMaxTableDays) {
    c.table_first_ = c.holidays_.front();
    c.holidays_before_.assign(static_cast<size_t>(c.holidays_.back() - c.table_first_ + 2), 0);
    for (size_t i = 0, h = 0; i < c.holidays_before_.size(); ++i) {
      while (h < c.holidays_.size() && c.holidays_[h] < c.table_first_ + static_cast<int64_t>(i)) ++h;
      c.holidays_before_[i] = static_cast<int32_t>(h);
    }
  }
  *out = std::move(c);
  return Status::OK();
}

int64_t WorkingCalendar::LocalDay(int64_t t, int64_t* micros_into_day) const {
  const int64_t local = t + offset_us_;
  const int64_t day = FloorDiv(local, kDayUs);
  *micros_into_day = local - day * kDayUs;
  return day;
}

int64_t WorkingCalendar::HolidaysBefore(int64_t day) const {
  // Unsigned: a day before the table wraps to a large index.
  const uint64_t i = static_cast<uint64_t>(day - table_first_);
  if (__builtin_expect(i < holidays_before_.size(), 1)) return holidays_before_[i];
  return HolidaysBeforeOutsideTable(day);
}

int64_t WorkingCalendar::HolidaysBeforeOutsideTable(int64_t day) const {
  if (!holidays_before_.empty() || holidays_.empty()) {
    return day < table_first_ ? 0 : static_cast<int64_t>(holidays_.size());
  }
  return std::lower_bound(holidays_.begin(), holidays_.end(), day) - holidays_.begin();
}

int64_t WorkingCalendar::HolidaysUpTo(int64_t day) const { return HolidaysBefore(day + 1); }

bool WorkingCalendar::IsWorkingDay(int64_t day) const {
  return IsWeekday(day) && HolidaysBefore(day + 1) == HolidaysBefore(day);
}

int64_t WorkingCalendar::WorkingDaysBefore(int64_t day) const {
  return WeekdaysBefore(day) - HolidaysBefore(day);
}

int64_t WorkingCalendar::NthWorkingDay(int64_t n) const {
  // The least fixed point of h = holidays up to NthWeekday(n + h) is reached
  // from below and lands on a working day (a holiday there would make h - 1 a
  // smaller fixed point). Each step skips at least one holiday.
  int64_t h = 0;
  for (;;) {
    const int64_t next = HolidaysUpTo(NthWeekday(n + h));
    if (next == h) return NthWeekday(n + h);
    h = next;
  }
}

int64_t WorkingCalendar::OfficeCoordinate(int64_t t) const {
  int64_t s = 0;
  const int64_t day = LocalDay(t, &s);
  // One holiday count serves both the days before and whether this one is.
  const int64_t holidays_before = HolidaysBefore(day);
  int64_t w = (WeekdaysBefore(day) - holidays_before) * day_working_us_;
  if (IsWeekday(day) && HolidaysBefore(day + 1) == holidays_before) {
    w += std::clamp(s - open_us_, int64_t{0}, day_working_us_);
  }
  return w;
}

int64_t WorkingCalendar::InstantOfCoordinate(int64_t w) const {
  if (always_) return w;
  const int64_t k = FloorDiv(w, day_working_us_);
  const int64_t r = w - k * day_working_us_;
  if (r == 0) return NthWorkingDay(k - 1) * kDayUs + close_us_ - offset_us_;
  return NthWorkingDay(k) * kDayUs + open_us_ + r - offset_us_;
}

bool WorkingCalendar::OfficeIsWorking(int64_t t) const {
  int64_t s = 0;
  const int64_t day = LocalDay(t, &s);
  return s >= open_us_ && s < close_us_ && IsWorkingDay(day);
}

int64_t WorkingCalendar::NextWorkingInstant(int64_t t) const {
  if (IsWorking(t)) return t;
  // Outside working hours W(t) is a whole number of working days: the count
  // of days completed, which is the index of the next working day.
  const int64_t k = FloorDiv(WorkingCoordinate(t), day_working_us_);
  return NthWorkingDay(k) * kDayUs + open_us_ - offset_us_;
}

int64_t WorkingCalendar::WorkingTimeBetween(int64_t from, int64_t to) const {
  if (to <= from) return 0;
  return WorkingCoordinate(to) - WorkingCoordinate(from);
}


}  // namespace nsw
