// Status::ToString: the only non-inline part of Status.
#include "proto/status.h"

namespace nsw {

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: name = "Invalid argument"; break;
    case Code::kNotFound: name = "Not found"; break;
    case Code::kCorruption: name = "Corruption"; break;
    case Code::kIoError: name = "IO error"; break;
    case Code::kUnavailable: name = "Unavailable"; break;
    case Code::kFailedPrecondition: name = "Failed precondition"; break;
  }
  return std::string(name) + ": " + message_;
}

}  // namespace nsw
