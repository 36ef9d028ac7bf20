// Units of the command lines: durations, sizes and instants, parsed strictly
// (the whole text must match) so a typo is an error, never a silent zero.
#include "proto/units.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace nsw {
namespace {

// Splits "12.5ms" into the number 12.5 and the suffix "ms". The number must
// be non-negative decimal; no sign, no exponent, no spaces.
bool SplitNumber(std::string_view text, double* number, std::string_view* suffix) {
  size_t i = 0;
  bool digits = false, dot = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!digits) return false;
  std::string number_text(text.substr(0, i));
  char* end = nullptr;
  *number = std::strtod(number_text.c_str(), &end);
  if (end != number_text.c_str() + number_text.size() || !std::isfinite(*number)) return false;
  *suffix = text.substr(i);
  return true;
}

bool ParseFixedDigits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

}  // namespace

Status ParseDuration(std::string_view text, int64_t* micros) {
  double number = 0;
  std::string_view unit;
  auto bad = [&] {
    return Status::InvalidArgument("invalid duration '" + std::string(text) +
                                   "' (expected a number with a unit: us, ms, s, m, h, d)");
  };
  if (!SplitNumber(text, &number, &unit)) return bad();
  double scale = 0;
  if (unit == "us") scale = 1;
  else if (unit == "ms") scale = 1e3;
  else if (unit == "s") scale = 1e6;
  else if (unit == "m" || unit == "min") scale = 60e6;
  else if (unit == "h") scale = 3600e6;
  else if (unit == "d") scale = 86400e6;
  else return bad();
  double value = std::round(number * scale);
  if (value > 9.2e18) return Status::InvalidArgument("duration '" + std::string(text) + "' is too large");
  *micros = static_cast<int64_t>(value);
  return Status::OK();
}

Status ParseSize(std::string_view text, uint64_t* bytes) {
  double number = 0;
  std::string_view unit;
  auto bad = [&] {
    return Status::InvalidArgument("invalid size '" + std::string(text) +
                                   "' (expected bytes, optionally with k, M or G)");
  };
  if (!SplitNumber(text, &number, &unit)) return bad();
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "k" || unit == "K" || unit == "KiB" || unit == "kB") scale = 1024.0;
  else if (unit == "M" || unit == "MiB" || unit == "MB") scale = 1024.0 * 1024;
  else if (unit == "G" || unit == "GiB" || unit == "GB") scale = 1024.0 * 1024 * 1024;
  else return bad();
  double value = std::round(number * scale);
  if (value > 1.8e19) return Status::InvalidArgument("size '" + std::string(text) + "' is too large");
  *bytes = static_cast<uint64_t>(value);
  return Status::OK();
}

int64_t DaysFromCivil(int year, unsigned month, unsigned day) {
  // Howard Hinnant's days_from_civil.
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t days, int* year, unsigned* month, unsigned* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int>(yoe + era * 400 + (*month <= 2));
}

Status ParseInstant(std::string_view text, int64_t* micros_since_epoch) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("invalid time '" + std::string(text) + "': " + why +
                                   " (expected RFC 3339 like 2020-01-01T08:00:00+07:00, or microseconds since the epoch)");
  };
  if (text.empty()) return bad("empty");
  bool all_digits = text.find_first_not_of("0123456789") == std::string_view::npos;
  if (all_digits) {
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) return bad("out of range");
    *micros_since_epoch = value;
    return Status::OK();
  }
  int year, month, day, hour, minute, second;
  if (text.size() < 20 || !ParseFixedDigits(text, 0, 4, &year) || text[4] != '-' ||
      !ParseFixedDigits(text, 5, 2, &month) || text[7] != '-' || !ParseFixedDigits(text, 8, 2, &day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !ParseFixedDigits(text, 11, 2, &hour) ||
      text[13] != ':' || !ParseFixedDigits(text, 14, 2, &minute) || text[16] != ':' ||
      !ParseFixedDigits(text, 17, 2, &second)) {
    return bad("not RFC 3339");
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad("field out of range");
  }
  size_t pos = 19;
  int64_t fraction_us = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction_us += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad("empty fraction");
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!ParseFixedDigits(text, pos + 1, 2, &oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ParseFixedDigits(text, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return bad("bad UTC offset");
    }
    offset_minutes = (oh * 60 + om) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad("missing UTC offset (Z or +hh:mm)");
  }
  if (pos != text.size()) return bad("trailing characters");
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  *micros_since_epoch = seconds * kMicrosPerSecond + fraction_us;
  return Status::OK();
}

std::string FormatDuration(int64_t micros) {
  char buf[64];
  const char* sign = micros < 0 ? "-" : "";
  uint64_t m = micros < 0 ? static_cast<uint64_t>(-(micros + 1)) + 1 : static_cast<uint64_t>(micros);
  double v = static_cast<double>(m);
  if (m < 1000) {
    std::snprintf(buf, sizeof buf, "%s%lluus", sign, static_cast<unsigned long long>(m));
  } else if (m < 1000000) {
    std::snprintf(buf, sizeof buf, "%s%.3gms", sign, v / 1e3);
  } else if (m < 60 * 1000000ull) {
    std::snprintf(buf, sizeof buf, "%s%.3gs", sign, v / 1e6);
  } else if (m < 3600 * 1000000ull) {
    std::snprintf(buf, sizeof buf, "%s%.3gm", sign, v / 60e6);
  } else if (m < 86400 * 1000000ull) {
    std::snprintf(buf, sizeof buf, "%s%.3gh", sign, v / 3600e6);
  } else {
    std::snprintf(buf, sizeof buf, "%s%.3gd", sign, v / 86400e6);
  }
  return buf;
}

std::string FormatInstant(int64_t micros_since_epoch) {
  int64_t seconds = micros_since_epoch / kMicrosPerSecond;
  int64_t fraction = micros_since_epoch % kMicrosPerSecond;
  if (fraction < 0) {
    fraction += kMicrosPerSecond;
    --seconds;
  }
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  char buf[64];
  if (fraction == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", year, month, day,
                  static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", year, month, day,
                  static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60),
                  static_cast<long long>(fraction));
  }
  return buf;
}

}  // namespace nsw
