// The access log; see access_log.h.
#include "server/http/access_log.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>

#include <chrono>

#include "proto/units.h"

namespace nsw::http {
namespace {

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status AccessLog::Open(const std::string& path, std::unique_ptr<AccessLog>* out) {
  std::shared_ptr<spdlog::sinks::basic_file_sink_mt> sink;
  try {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
  } catch (const spdlog::spdlog_ex& e) {
    return Status::IoError("--access-log " + path + ": " + e.what());
  }
  // Not registered in spdlog's global registry: the server owns it.
  auto logger = std::make_shared<spdlog::logger>("access", std::move(sink));
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::info);
  out->reset(new AccessLog(std::move(logger)));
  return Status::OK();
}

AccessLog::AccessLog(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

AccessLog::~AccessLog() { Flush(); }

std::string AccessLog::FormatLine(const CompletedRequest& r) {
  return fmt::format("{} {} {} {} {} {} {} {:.3f}ms", FormatInstant(r.started_unix_micros),
                     r.request_id.empty() ? std::string_view("-") : r.request_id, r.peer, r.method, r.target,
                     r.status, r.response_bytes, static_cast<double>(r.duration_micros) / 1000.0);
}

void AccessLog::OnRequest(const CompletedRequest& request) {
  logger_->info(FormatLine(request));
  int64_t now = SteadyMicros();
  int64_t last = last_flush_micros_.load(std::memory_order_relaxed);
  if (now - last >= 1'000'000 && last_flush_micros_.compare_exchange_strong(last, now)) logger_->flush();
}

void AccessLog::Flush() { logger_->flush(); }

}  // namespace nsw::http
