// WorkingCalendar: working-time arithmetic across nights, weekends and
// holidays, checked on hand-worked cases and against a day-by-day reference.
#include "server/domain/calendar.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "proto/units.h"

namespace nsw {
namespace {

constexpr int64_t kMinute = 60LL * 1000000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

// Local wall time at UTC+7 as a UTC instant.
int64_t Local(int y, unsigned m, unsigned d, int hour, int minute = 0, int offset_minutes = 420) {
  return DaysFromCivil(y, m, d) * kDay + hour * kHour + minute * kMinute - offset_minutes * kMinute;
}

WorkingCalendar Office(std::vector<std::string> holidays = {}, std::vector<std::string> national = {}) {
  Calendar c;
  c.set_kind(Calendar::OFFICE_HOURS);
  for (auto& h : holidays) c.add_holidays(h);
  WorkingCalendar w;
  EXPECT_TRUE(WorkingCalendar::Create(c, national, &w).ok());
  return w;
}

// Working time in [a, b) by walking local days: an independent reference.
int64_t ReferenceWorking(int64_t a, int64_t b, int64_t offset, int64_t open, int64_t close,
                         const std::set<int64_t>& holidays) {
  int64_t total = 0;
  const int64_t first = (a + offset) / kDay - 2, last = (b + offset) / kDay + 2;
  for (int64_t day = first; day <= last; ++day) {
    const int64_t weekday = ((day + 3) % 7 + 7) % 7;  // 0 = Monday
    if (weekday >= 5 || holidays.count(day)) continue;
    const int64_t from = std::max(a, day * kDay + open - offset);
    const int64_t to = std::min(b, day * kDay + close - offset);
    if (to > from) total += to - from;
  }
  return total;
}

TEST(CalendarTest, AlwaysIsTheIdentity) {
  WorkingCalendar c;
  EXPECT_TRUE(c.always());
  EXPECT_EQ(c.working_micros_per_day(), kDay);
  const int64_t t = Local(2024, 3, 9, 3);  // a Saturday night
  EXPECT_TRUE(c.IsWorking(t));
  EXPECT_EQ(c.AddWorkingTime(t, 5 * kHour), t + 5 * kHour);
  EXPECT_EQ(c.WorkingTimeBetween(t, t + kDay), kDay);
  EXPECT_EQ(c.NextWorkingInstant(t), t);
}

TEST(CalendarTest, DefaultsAreUtcPlus7EightToFive) {
  WorkingCalendar c = Office();
  EXPECT_EQ(c.working_micros_per_day(), 9 * kHour);
  EXPECT_FALSE(c.IsWorking(Local(2024, 3, 4, 8) - 1));  // Monday 07:59:59.999999
  EXPECT_TRUE(c.IsWorking(Local(2024, 3, 4, 8)));
  EXPECT_TRUE(c.IsWorking(Local(2024, 3, 4, 17) - 1));
  EXPECT_FALSE(c.IsWorking(Local(2024, 3, 4, 17)));   // closing instant is outside
  EXPECT_FALSE(c.IsWorking(Local(2024, 3, 9, 10)));   // Saturday
  EXPECT_FALSE(c.IsWorking(Local(2024, 3, 10, 10)));  // Sunday
  EXPECT_TRUE(c.IsWorking(Local(2024, 3, 8, 10)));    // Friday
}

TEST(CalendarTest, WorkingTimeAcrossNightsAndWeekends) {
  WorkingCalendar c = Office();
  EXPECT_EQ(c.WorkingTimeBetween(Local(2024, 3, 4, 8), Local(2024, 3, 4, 17)), 9 * kHour);
  EXPECT_EQ(c.WorkingTimeBetween(Local(2024, 3, 4, 16), Local(2024, 3, 5, 9)), 2 * kHour);
  EXPECT_EQ(c.WorkingTimeBetween(Local(2024, 3, 8, 16), Local(2024, 3, 11, 9)), 2 * kHour);
  EXPECT_EQ(c.WorkingTimeBetween(Local(2024, 3, 9, 0), Local(2024, 3, 10, 23)), 0);
  EXPECT_EQ(c.WorkingTimeBetween(Local(2024, 3, 4, 0), Local(2024, 3, 11, 0)), 5 * 9 * kHour);
  EXPECT_EQ(c.WorkingTimeBetween(Local(2024, 3, 5, 0), Local(2024, 3, 4, 0)), 0);
}

TEST(CalendarTest, AddWorkingTimePausesAndResumes) {
  WorkingCalendar c = Office();
  // Friday afternoon work resumes Monday morning.
  EXPECT_EQ(c.AddWorkingTime(Local(2024, 3, 8, 16), 2 * kHour), Local(2024, 3, 11, 9));
  // Ending exactly at closing time ends then, not the next morning.
  EXPECT_EQ(c.AddWorkingTime(Local(2024, 3, 4, 16), kHour), Local(2024, 3, 4, 17));
  // Started outside hours: counts from the next opening.
  EXPECT_EQ(c.AddWorkingTime(Local(2024, 3, 9, 12), kHour), Local(2024, 3, 11, 9));
  EXPECT_EQ(c.AddWorkingTime(Local(2024, 3, 4, 20), 30 * kMinute), Local(2024, 3, 5, 8, 30));
  // A whole working week from Monday 08:00 ends Friday 17:00.
  EXPECT_EQ(c.AddWorkingTime(Local(2024, 3, 4, 8), 45 * kHour), Local(2024, 3, 8, 17));
  EXPECT_EQ(c.AddWorkingTime(Local(2024, 3, 4, 8), 45 * kHour + 1), Local(2024, 3, 11, 8) + 1);
  // Zero work takes no time, even at night.
  EXPECT_EQ(c.AddWorkingTime(Local(2024, 3, 9, 12), 0), Local(2024, 3, 9, 12));
}

TEST(CalendarTest, NextWorkingInstant) {
  WorkingCalendar c = Office();
  EXPECT_EQ(c.NextWorkingInstant(Local(2024, 3, 9, 12)), Local(2024, 3, 11, 8));
  EXPECT_EQ(c.NextWorkingInstant(Local(2024, 3, 4, 17)), Local(2024, 3, 5, 8));
  EXPECT_EQ(c.NextWorkingInstant(Local(2024, 3, 4, 7)), Local(2024, 3, 4, 8));
  EXPECT_EQ(c.NextWorkingInstant(Local(2024, 3, 4, 10)), Local(2024, 3, 4, 10));
  EXPECT_EQ(c.NextWorkingInstant(Local(2024, 3, 8, 17, 30)), Local(2024, 3, 11, 8));
}

TEST(CalendarTest, HolidaysAreSkipped) {
  // Tuesday 2024-03-05 is a ministry holiday; Saturday's listing changes nothing.
  WorkingCalendar c = Office({"2024-03-05", "2024-03-09"});
  EXPECT_FALSE(c.IsWorking(Local(2024, 3, 5, 10)));
  EXPECT_EQ(c.AddWorkingTime(Local(2024, 3, 4, 16), 2 * kHour), Local(2024, 3, 6, 9));
  EXPECT_EQ(c.WorkingTimeBetween(Local(2024, 3, 4, 0), Local(2024, 3, 11, 0)), 4 * 9 * kHour);
  EXPECT_EQ(c.NextWorkingInstant(Local(2024, 3, 4, 18)), Local(2024, 3, 6, 8));
}

TEST(CalendarTest, NationalHolidaysApplyToo) {
  // Tet 2024: Thursday 8 February to Wednesday 14 February.
  WorkingCalendar c = Office({}, {"2024-02-08", "2024-02-09", "2024-02-10", "2024-02-11", "2024-02-12",
                                  "2024-02-13", "2024-02-14"});
  EXPECT_EQ(c.AddWorkingTime(Local(2024, 2, 7, 16), 2 * kHour), Local(2024, 2, 15, 9));
  EXPECT_EQ(c.NextWorkingInstant(Local(2024, 2, 7, 17)), Local(2024, 2, 15, 8));
  EXPECT_EQ(c.WorkingTimeBetween(Local(2024, 2, 5, 0), Local(2024, 2, 19, 0)), 5 * 9 * kHour);
}

TEST(CalendarTest, OtherOffsetsAndHours) {
  Calendar proto;
  proto.set_kind(Calendar::OFFICE_HOURS);
  proto.set_utc_offset_minutes(-300);  // UTC-5
  proto.set_open_minute(0);
  proto.set_close_minute(1440);        // around the clock on weekdays
  WorkingCalendar c;
  ASSERT_TRUE(WorkingCalendar::Create(proto, {}, &c).ok());
  EXPECT_EQ(c.working_micros_per_day(), kDay);
  EXPECT_TRUE(c.IsWorking(Local(2024, 3, 8, 23, 59, -300)));
  EXPECT_FALSE(c.IsWorking(Local(2024, 3, 9, 0, 0, -300)));
  EXPECT_EQ(c.AddWorkingTime(Local(2024, 3, 8, 23, 0, -300), 2 * kHour), Local(2024, 3, 11, 1, 0, -300));
}

TEST(CalendarTest, RefusesMalformedCalendars) {
  Calendar c;
  c.set_kind(Calendar::OFFICE_HOURS);
  WorkingCalendar w;
  c.add_holidays("2024-02-30");
  EXPECT_TRUE(WorkingCalendar::Create(c, {}, &w).IsInvalidArgument());
  c.clear_holidays();
  EXPECT_TRUE(WorkingCalendar::Create(c, {"24-1-1"}, &w).IsInvalidArgument());
  c.set_open_minute(600);
  c.set_close_minute(600);
  EXPECT_TRUE(WorkingCalendar::Create(c, {}, &w).IsInvalidArgument());
  Calendar unspecified;
  EXPECT_TRUE(WorkingCalendar::Create(unspecified, {}, &w).IsInvalidArgument());
}

// Random spans starting from late 2022 to mid 2024, so before, among and
// after the holidays.
void CheckAgainstDayByDayReference(const std::vector<std::string>& holidays) {
  Calendar proto;
  proto.set_kind(Calendar::OFFICE_HOURS);
  proto.set_utc_offset_minutes(420);
  proto.set_open_minute(450);   // 07:30
  proto.set_close_minute(1005); // 16:45
  for (const auto& h : holidays) proto.add_holidays(h);
  WorkingCalendar c;
  ASSERT_TRUE(WorkingCalendar::Create(proto, {}, &c).ok());
  std::set<int64_t> holiday_days;
  for (const auto& h : holidays) {
    holiday_days.insert(DaysFromCivil(std::stoi(h.substr(0, 4)), std::stoi(h.substr(5, 2)), std::stoi(h.substr(8, 2))));
  }
  std::mt19937_64 rng(7);
  const int64_t base = Local(2022, 12, 20, 0);
  for (int i = 0; i < 3000; ++i) {
    const int64_t a = base + static_cast<int64_t>(rng() % (500 * kDay));
    const int64_t b = a + static_cast<int64_t>(rng() % (40 * kDay));
    const int64_t expect = ReferenceWorking(a, b, 420 * kMinute, 450 * kMinute, 1005 * kMinute, holiday_days);
    ASSERT_EQ(c.WorkingTimeBetween(a, b), expect) << "a=" << a << " b=" << b;
    // AddWorkingTime inverts it: the end is reached after exactly that much
    // work, and no earlier instant is.
    const int64_t work = static_cast<int64_t>(rng() % (20 * 9 * kHour)) + 1;
    const int64_t end = c.AddWorkingTime(a, work);
    ASSERT_EQ(c.WorkingTimeBetween(a, end), work);
    ASSERT_EQ(c.WorkingTimeBetween(a, end - 1), work - 1);
    // The next working instant is working, and nothing before it is.
    const int64_t next = c.NextWorkingInstant(a);
    ASSERT_TRUE(c.IsWorking(next));
    ASSERT_EQ(c.WorkingTimeBetween(a, next), 0);
  }
}

const std::vector<std::string> kHolidays2023 = {"2023-01-02", "2023-04-28", "2023-05-01", "2023-09-01",
                                                "2023-09-04", "2024-01-01", "2024-02-08", "2024-02-09",
                                                "2024-02-12", "2024-02-13", "2024-02-14", "2024-04-18"};

TEST(CalendarTest, AgreesWithDayByDayReference) { CheckAgainstDayByDayReference(kHolidays2023); }

// Holidays centuries apart are not tabulated (binary search instead): the
// same answers.
TEST(CalendarTest, AgreesWithDayByDayReferenceWithUntabulatedHolidays) {
  std::vector<std::string> holidays = kHolidays2023;
  holidays.push_back("1600-01-03");  // a Monday
  holidays.push_back("2400-01-03");  // a Monday
  CheckAgainstDayByDayReference(holidays);
}

TEST(CalendarTest, InstantsBeforeTheEpoch) {
  WorkingCalendar c = Office();
  const int64_t mon = Local(1969, 12, 29, 8);  // a Monday before 1970
  EXPECT_TRUE(c.IsWorking(mon));
  EXPECT_EQ(c.AddWorkingTime(Local(1969, 12, 26, 16), 2 * kHour), Local(1969, 12, 29, 9));
  EXPECT_EQ(c.WorkingTimeBetween(Local(1969, 12, 29, 0), Local(1970, 1, 5, 0)), 45 * kHour);
}

}  // namespace
}  // namespace nsw
