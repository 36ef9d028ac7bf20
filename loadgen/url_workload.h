// UrlWorkload: `nsw-loadgen url`: the same request (method, headers, body)
// against any HTTP endpoint, to compare with wrk/wrk2 on the same target.
// A response whose status class is in `expect_classes` is ok; others count
// as 4xx, 5xx or unexpected_status. Request i of a shard K/N is global
// request K + i*N, so shards interleave one global schedule. Immutable
// after construction: connections and sources are per thread.
#ifndef NSW_LOADGEN_URL_WORKLOAD_H_
#define NSW_LOADGEN_URL_WORKLOAD_H_

#include <string>
#include <utility>
#include <vector>

#include "client/http_connection.h"
#include "loadgen/engine.h"

namespace nsw::loadgen {

struct UrlWorkloadOptions {
  client::Url url;                          // the positional URL
  std::string method = "GET";               // --method
  std::vector<std::pair<std::string, std::string>> headers;  // --header "Name: value"
  std::string body;                         // --body-file contents
  std::vector<int> expect_classes = {2, 3}; // --expect: status classes that are ok
  client::ConnectionOptions connection;     // --timeout, --insecure
  Shard shard;                              // --shard
};

// "Name: value" -> pair; refuses Host, Content-Length and User-Agent (the
// connection sets those) and malformed lines.
Status ParseHeaderFlag(std::string_view text, std::pair<std::string, std::string>* out);
// "2xx,3xx" -> {2, 3}.
Status ParseExpectClasses(std::string_view text, std::vector<int>* out);

class UrlWorkload : public Workload {
 public:
  explicit UrlWorkload(UrlWorkloadOptions options);
  Status NewSource(int thread, int threads, std::unique_ptr<JobSource>* out) override;
  std::unique_ptr<WorkloadConnection> NewConnection(boost::asio::io_context& io, int thread) override;
  const std::vector<std::string>& ministry_names() const override { return no_ministries_; }
  const UrlWorkloadOptions& options() const { return o_; }

 private:
  UrlWorkloadOptions o_;
  std::vector<std::string> no_ministries_;
};

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_URL_WORKLOAD_H_
