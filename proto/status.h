// Status: the result of an operation that can fail, as a value (leveldb's
// Status). OK carries nothing; an error carries a code and one human-readable
// message that names what failed ("catalog.textproto:12: unknown ministry
// 'MOXX'"). Cheap to copy on the OK path. Thread-compatible.
#ifndef NSW_PROTO_STATUS_H_
#define NSW_PROTO_STATUS_H_

#include <string>
#include <string_view>
#include <utility>

namespace nsw {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // bad input: a malformed file, flag, request
    kNotFound,
    kCorruption,       // stored data is damaged
    kIoError,          // the disk or the OS failed
    kUnavailable,      // try later: overload, not ready, stopped
    kFailedPrecondition,
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IoError(std::string msg) { return Status(Code::kIoError, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status FailedPrecondition(std::string msg) { return Status(Code::kFailedPrecondition, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIoError() const { return code_ == Code::kIoError; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  const std::string& message() const { return message_; }
  // "OK" or "<code name>: <message>".
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace nsw

#endif  // NSW_PROTO_STATUS_H_
