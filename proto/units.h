// Parsing and printing of the units every command line uses: durations with
// a unit ("500ms", "30s", "1h", "7d", "250us"), sizes with k/M/G (binary,
// "64M" = 64 MiB), and simulated instants ("2020-01-01T00:00:00Z", RFC 3339
// with an optional offset, or plain microseconds since the Unix epoch).
// Pure functions; errors name the offending text.
#ifndef NSW_PROTO_UNITS_H_
#define NSW_PROTO_UNITS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "proto/status.h"

namespace nsw {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerHour = 3600 * kMicrosPerSecond;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

// "1.5s" -> 1500000. Units: us, ms, s, m, h, d. A bare number is refused.
Status ParseDuration(std::string_view text, int64_t* micros);
// "64M" -> 67108864. Suffixes k, M, G (powers of 1024); a bare number is bytes.
Status ParseSize(std::string_view text, uint64_t* bytes);
// RFC 3339 ("2021-03-04T05:06:07Z", "...+07:00", fractional seconds allowed)
// or an integer of microseconds since the Unix epoch.
Status ParseInstant(std::string_view text, int64_t* micros_since_epoch);

// 1500000 -> "1.5s"; picks the largest unit that keeps it readable.
std::string FormatDuration(int64_t micros);
// Microseconds since the epoch -> "2021-03-04T05:06:07.250000Z".
std::string FormatInstant(int64_t micros_since_epoch);
// Days since 1970-01-01 for a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int* year, unsigned* month, unsigned* day);

}  // namespace nsw

#endif  // NSW_PROTO_UNITS_H_
