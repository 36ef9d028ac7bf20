// AccessLog: the optional --access-log FILE, one line per request:
//   <time> <request id> <peer> <method> <target> <status> <bytes> <duration>
// e.g. "2024-05-06T07:08:09.123456Z 5f3a9c1e-42 127.0.0.1:53412 POST
// /v1/dossiers 202 187 0.412ms" (time: when the request began, UTC; bytes:
// the response as written; duration: first byte of the request to the last
// byte of the response). The file is appended to, never truncated. Lines
// reach the disk at least once a second while requests arrive and at
// Flush(). A RequestObserver: thread-safe (spdlog's _mt file sink).
#ifndef NSW_SERVER_HTTP_ACCESS_LOG_H_
#define NSW_SERVER_HTTP_ACCESS_LOG_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "proto/status.h"
#include "server/http/observer.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace nsw::http {

class AccessLog : public RequestObserver {
 public:
  // IoError naming the file when it cannot be opened for appending.
  static Status Open(const std::string& path, std::unique_ptr<AccessLog>* out);
  ~AccessLog() override;
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void OnRequest(const CompletedRequest& request) override;
  void Flush();

  // The line OnRequest writes, without the newline.
  static std::string FormatLine(const CompletedRequest& request);

 private:
  explicit AccessLog(std::shared_ptr<spdlog::logger> logger);
  std::shared_ptr<spdlog::logger> logger_;
  std::atomic<int64_t> last_flush_micros_{0};
};

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_ACCESS_LOG_H_
