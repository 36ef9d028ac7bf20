// RequestIds: the X-Request-Id every response carries. A server-wide random
// prefix (so ids from two runs or two servers never collide in merged logs)
// and a counter: "5f3a9c1e-42". An incoming X-Request-Id is kept when it is
// sane (1..128 visible ASCII characters without quotes, backslashes or
// commas), so a caller can follow its own id through the access log.
// Thread-safe: Next() is one atomic increment.
#ifndef NSW_SERVER_HTTP_REQUEST_ID_H_
#define NSW_SERVER_HTTP_REQUEST_ID_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace nsw::http {

class RequestIds {
 public:
  // A random 8-hex-digit prefix.
  RequestIds();
  // A fixed prefix (tests).
  explicit RequestIds(std::string prefix) : prefix_(std::move(prefix)) {}
  RequestIds(const RequestIds&) = delete;
  RequestIds& operator=(const RequestIds&) = delete;

  // A fresh id: "<prefix>-<n>", n = 1, 2, ...
  std::string Next();
  // `incoming` when IsAcceptable(incoming), else Next().
  std::string For(std::string_view incoming);
  static bool IsAcceptable(std::string_view id);

  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
  std::atomic<uint64_t> next_{1};
};

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_REQUEST_ID_H_
