// Request ids; see request_id.h.
#include "server/http/request_id.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <random>

namespace nsw::http {

RequestIds::RequestIds() {
  std::random_device device;
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%08x", static_cast<unsigned>(device()));
  prefix_ = buffer;
}

std::string RequestIds::Next() {
  uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
  // Built in place and copied once: a short id stays in the string's own
  // buffer (no reserve() past it, which would always allocate).
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  (void)ec;  // 24 bytes hold any uint64
  std::string id;
  id.resize(prefix_.size() + 1 + static_cast<size_t>(end - digits));
  char* at = std::copy(prefix_.begin(), prefix_.end(), id.data());
  *at++ = '-';
  std::copy(digits, end, at);
  return id;
}

std::string RequestIds::For(std::string_view incoming) {
  if (IsAcceptable(incoming)) return std::string(incoming);
  return Next();
}

bool RequestIds::IsAcceptable(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    // Visible ASCII only, and nothing that would confuse a log or CSV reader.
    if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == ',') return false;
  }
  return true;
}

}  // namespace nsw::http
