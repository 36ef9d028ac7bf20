// RequestObserver: the hook through which finished requests are reported,
// once the response has been written (or the connection failed while
// writing it). The access log is one observer; Prometheus metrics attach
// the same way. OnRequest runs on the io thread that served the request, so
// an implementation must be thread-safe and must not block.
#ifndef NSW_SERVER_HTTP_OBSERVER_H_
#define NSW_SERVER_HTTP_OBSERVER_H_

#include <cstdint>
#include <string_view>

#include "server/http/route.h"

namespace nsw::http {

struct CompletedRequest {
  int64_t started_unix_micros = 0;  // wall clock when the request's header was read
  int64_t duration_micros = 0;      // header read to response written
  std::string_view request_id;
  std::string_view peer;            // "127.0.0.1:53412"
  std::string_view method;          // as sent; "-" when the request line was unreadable
  std::string_view target;          // as sent; "-" when unreadable
  Route route;                      // which endpoint answered (Route::kNone for 404s and transport errors)
  int status = 0;
  uint64_t response_bytes = 0;      // bytes written: status line, headers and body
  uint64_t request_body_bytes = 0;
};

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void OnRequest(const CompletedRequest& request) = 0;
};

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_OBSERVER_H_
