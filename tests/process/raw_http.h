// Raw HTTP/1.1 over a blocking loopback socket, for the abuse and limit
// tests: what a well-behaved client library never does (trickle a header a
// byte at a time, stop in the middle of a body, pipeline without reading,
// hold a connection open and silent). Every wait has a deadline. Also the
// signing of hand-made requests with the library's Signer. Not thread-safe;
// one RawConnection per thread.
#ifndef NSW_TESTS_PROCESS_RAW_HTTP_H_
#define NSW_TESTS_PROCESS_RAW_HTTP_H_

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <string_view>

#include "client/signing.h"

namespace nsw::process_testing {

struct RawResponse {
  bool complete = false;  // a whole response (header and body) was read
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class RawConnection {
 public:
  RawConnection() = default;
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  RawConnection(RawConnection&& other) noexcept : fd_(other.fd_), buffered_(std::move(other.buffered_)) {
    other.fd_ = -1;
  }

  bool Connect(uint16_t port) {
    Close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      Close();
      return false;
    }
    return true;
  }
  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Sends everything (false when the peer is gone).
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (Content-Length bodies; HEAD-less). Incomplete when
  // the deadline passes or the peer closes first.
  RawResponse ReadResponse(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    RawResponse r;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t end;
    while ((end = buffered_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return r;
    }
    std::string head = buffered_.substr(0, end);
    buffered_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return r;
    r.status = std::atoi(status_line.c_str() + 9);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) next = head.size();
      std::string line = head.substr(pos, next - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        size_t v = line.find_first_not_of(' ', colon + 1);
        r.headers[name] = v == std::string::npos ? std::string() : line.substr(v);
      }
      pos = next + 2;
    }
    size_t length = static_cast<size_t>(std::atoll(r.header("content-length").c_str()));
    while (buffered_.size() < length) {
      if (!Fill(deadline)) return r;
    }
    r.body = buffered_.substr(0, length);
    buffered_.erase(0, length);
    r.complete = true;
    return r;
  }

  // True when the peer closes (EOF or reset) within `timeout`; whatever it
  // sends meanwhile is kept for ReadResponse.
  bool WaitClosed(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         deadline - std::chrono::steady_clock::now())
                                         .count());
      if (wait_ms <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, wait_ms);
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0) return false;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return true;
      buffered_.append(buf, static_cast<size_t>(n));
    }
  }

  // Bytes received but not yet consumed by ReadResponse.
  const std::string& buffered() const { return buffered_; }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffered_.clear();
  }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    int wait_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (wait_ms <= 0 || fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, wait_ms);
    if (rc <= 0) return false;
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffered_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffered_;
};

// The Authorization header value for a hand-made request, signed at `ts`.
inline std::string SignFor(auth::Signer& signer, const std::string& principal, std::string_view method,
                           std::string_view target, std::string_view host, std::string_view content_type,
                           std::string_view body, int64_t ts = static_cast<int64_t>(std::time(nullptr))) {
  auth::RequestParts parts{method, target, host, content_type, body};
  std::string_view name;
  std::string value;
  Status s = signer.Sign(principal, ts, parts, &name, &value);
  return s.ok() ? value : std::string();
}

// "METHOD target HTTP/1.1" with Host and the given extra header lines
// ("Name: value\r\n" each), Content-Length when `body` or `content_length`.
inline std::string RawRequest(std::string_view method, std::string_view target, std::string_view host,
                              std::string_view extra_headers, std::string_view body,
                              int64_t content_length = -1) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  out.append(extra_headers);
  if (content_length < 0 && (!body.empty() || method == "POST")) content_length = static_cast<int64_t>(body.size());
  if (content_length >= 0) out.append("Content-Length: ").append(std::to_string(content_length)).append("\r\n");
  out.append("\r\n").append(body);
  return out;
}

}  // namespace nsw::process_testing

#endif  // NSW_TESTS_PROCESS_RAW_HTTP_H_
