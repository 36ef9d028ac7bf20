// LoopbackServer: a tiny HTTP/1.1 server for client tests, written with
// plain Asio (no Beast, so it does not share the code under test). It
// listens on 127.0.0.1 on an ephemeral port, runs on the caller's
// io_context (tests drive client and server on one thread, so there are no
// races), records every request, and answers through a handler that can
// also ask it to misbehave: close after answering, never answer, cut the
// body short, answer in chunks. Not thread-safe; test use only.
#ifndef NSW_TESTS_CLIENT_LOOPBACK_SERVER_H_
#define NSW_TESTS_CLIENT_LOOPBACK_SERVER_H_

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nsw::testing {

struct LoopbackRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  int connection = 0;  // which accepted connection (1-based)
  std::string header(const std::string& lower_name) const {
    for (const auto& [n, v] : headers) {
      if (n == lower_name) return v;
    }
    return std::string();
  }
  bool has_header(const std::string& lower_name) const {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return h.first == lower_name; });
  }
};

struct LoopbackResponse {
  enum class Mode {
    kNormal,          // answer, keep the connection
    kCloseAfter,      // answer, then close silently (no Connection: close)
    kConnectionClose, // answer with "Connection: close", then close
    kNoAnswer,        // read the request, never answer (the client must time out)
    kTruncated,       // promise Content-Length, send half the body, close
    kChunked,         // Transfer-Encoding: chunked, body in 3-byte chunks
    kResetNow,        // close at once without answering
    kHeadersOnly,     // Content-Length of the body, but no body (an answer to HEAD)
  };
  int status = 200;
  std::string reason = "OK";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Mode mode = Mode::kNormal;
};

class LoopbackServer {
 public:
  using Handler = std::function<LoopbackResponse(const LoopbackRequest&)>;
  // Consulted once the head is read: a response answers at once, without
  // reading the body (as a server refusing a too-large body does), then the
  // server shuts its sending side and drains the body (a lingering close).
  using EarlyHandler = std::function<std::optional<LoopbackResponse>(const LoopbackRequest&)>;

  LoopbackServer(boost::asio::io_context& io, Handler handler)
      : io_(io), acceptor_(io), handler_(std::move(handler)) {
    using boost::asio::ip::tcp;
    tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    Accept();
  }
  ~LoopbackServer() { Stop(); }

  void Stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& c : connections_) c->socket.close(ignored);
  }

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int accepted() const { return accepted_; }
  void set_early_handler(EarlyHandler early) { early_ = std::move(early); }
  const std::vector<LoopbackRequest>& requests() const { return requests_; }
  // Closes every open server-side connection now (idle keep-alive closes).
  void CloseAll() {
    boost::system::error_code ignored;
    for (auto& c : connections_) c->socket.close(ignored);
  }

 private:
  struct Conn {
    explicit Conn(boost::asio::io_context& io) : socket(io) {}
    boost::asio::ip::tcp::socket socket;
    boost::asio::streambuf in;
    std::string out;
    int id = 0;
  };

  void Accept() {
    auto conn = std::make_shared<Conn>(io_);
    acceptor_.async_accept(conn->socket, [this, conn](boost::system::error_code ec) {
      if (ec) return;
      conn->id = ++accepted_;
      connections_.push_back(conn);
      ReadHead(conn);
      Accept();
    });
  }

  static std::string Lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  }

  void ReadHead(std::shared_ptr<Conn> conn) {
    boost::asio::async_read_until(conn->socket, conn->in, "\r\n\r\n",
                                  [this, conn](boost::system::error_code ec, std::size_t n) {
                                    if (ec) return;
                                    std::string head(boost::asio::buffers_begin(conn->in.data()),
                                                     boost::asio::buffers_begin(conn->in.data()) + n);
                                    conn->in.consume(n);
                                    LoopbackRequest req;
                                    req.connection = conn->id;
                                    size_t line_end = head.find("\r\n");
                                    std::string line = head.substr(0, line_end);
                                    size_t sp1 = line.find(' ');
                                    size_t sp2 = line.find(' ', sp1 + 1);
                                    req.method = line.substr(0, sp1);
                                    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
                                    size_t pos = line_end + 2;
                                    size_t content_length = 0;
                                    while (pos < head.size()) {
                                      size_t end = head.find("\r\n", pos);
                                      if (end == pos) break;
                                      std::string field = head.substr(pos, end - pos);
                                      size_t colon = field.find(':');
                                      std::string name = Lower(field.substr(0, colon));
                                      std::string value = field.substr(colon + 1);
                                      while (!value.empty() && value[0] == ' ') value.erase(0, 1);
                                      if (name == "content-length") content_length = std::stoul(value);
                                      req.headers.emplace_back(name, value);
                                      pos = end + 2;
                                    }
                                    if (early_) {
                                      if (auto resp = early_(req)) return AnswerEarly(conn, std::move(req), *resp);
                                    }
                                    ReadBody(conn, std::move(req), content_length);
                                  });
  }

  void ReadBody(std::shared_ptr<Conn> conn, LoopbackRequest req, size_t length) {
    size_t have = conn->in.size();
    if (have >= length) {
      req.body.assign(boost::asio::buffers_begin(conn->in.data()),
                      boost::asio::buffers_begin(conn->in.data()) + length);
      conn->in.consume(length);
      return Answer(conn, std::move(req));
    }
    boost::asio::async_read(conn->socket, conn->in, boost::asio::transfer_exactly(length - have),
                            [this, conn, req = std::move(req), length](boost::system::error_code ec, std::size_t) mutable {
                              if (ec) return;
                              ReadBody(conn, std::move(req), length);
                            });
  }

  void AnswerEarly(std::shared_ptr<Conn> conn, LoopbackRequest req, const LoopbackResponse& resp) {
    requests_.push_back(std::move(req));
    conn->out = "HTTP/1.1 " + std::to_string(resp.status) + " " + resp.reason + "\r\n";
    for (const auto& [n, v] : resp.headers) conn->out += n + ": " + v + "\r\n";
    conn->out += "Connection: close\r\nContent-Length: " + std::to_string(resp.body.size()) + "\r\n\r\n" + resp.body;
    boost::asio::async_write(conn->socket, boost::asio::buffer(conn->out),
                             [this, conn](boost::system::error_code ec, std::size_t) {
                               if (ec) return;
                               boost::system::error_code ignored;
                               conn->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
                               Drain(conn);
                             });
  }

  void Drain(std::shared_ptr<Conn> conn) {
    conn->in.consume(conn->in.size());
    conn->socket.async_read_some(conn->in.prepare(65536), [this, conn](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      conn->in.commit(n);
      Drain(conn);
    });
  }

  void Answer(std::shared_ptr<Conn> conn, LoopbackRequest req) {
    requests_.push_back(req);
    LoopbackResponse resp = handler_(requests_.back());
    using Mode = LoopbackResponse::Mode;
    boost::system::error_code ignored;
    if (resp.mode == Mode::kNoAnswer) return ReadHead(conn);
    if (resp.mode == Mode::kResetNow) {
      conn->socket.set_option(boost::asio::socket_base::linger(true, 0), ignored);
      conn->socket.close(ignored);
      return;
    }
    std::string& out = conn->out;
    out = "HTTP/1.1 " + std::to_string(resp.status) + " " + resp.reason + "\r\n";
    for (const auto& [n, v] : resp.headers) out += n + ": " + v + "\r\n";
    if (resp.mode == Mode::kConnectionClose) out += "Connection: close\r\n";
    if (resp.mode == Mode::kChunked) {
      out += "Transfer-Encoding: chunked\r\n\r\n";
      for (size_t i = 0; i < resp.body.size(); i += 3) {
        std::string piece = resp.body.substr(i, 3);
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        out += size + piece + "\r\n";
      }
      out += "0\r\n\r\n";
    } else {
      out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n\r\n";
      if (resp.mode == Mode::kTruncated) {
        out += resp.body.substr(0, resp.body.size() / 2);
      } else if (resp.mode != Mode::kHeadersOnly) {
        out += resp.body;
      }
    }
    bool close = resp.mode == Mode::kCloseAfter || resp.mode == Mode::kConnectionClose || resp.mode == Mode::kTruncated;
    boost::asio::async_write(conn->socket, boost::asio::buffer(out),
                             [this, conn, close](boost::system::error_code ec, std::size_t) {
                               if (ec) return;
                               if (close) {
                                 boost::system::error_code ignored;
                                 conn->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
                                 conn->socket.close(ignored);
                                 return;
                               }
                               ReadHead(conn);
                             });
  }

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Handler handler_;
  EarlyHandler early_;
  uint16_t port_ = 0;
  int accepted_ = 0;
  std::vector<std::shared_ptr<Conn>> connections_;
  std::vector<LoopbackRequest> requests_;
};

}  // namespace nsw::testing

#endif  // NSW_TESTS_CLIENT_LOOPBACK_SERVER_H_
