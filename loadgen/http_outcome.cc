// Outcome classification shared by the workloads (see http_outcome.h).
#include "loadgen/http_outcome.h"

#include <string>

namespace nsw::loadgen {

void FillTransportOutcome(client::ErrorClass error, std::string_view message, Outcome* o) {
  o->transport_ok = false;
  o->ok = false;
  o->message = std::string(message);
  switch (error) {
    case client::ErrorClass::kConnect:
      o->error = ErrorClass::kConnect;
      o->retryable = true;
      break;
    case client::ErrorClass::kTimeout:
      o->error = ErrorClass::kTimeout;
      o->retryable = true;
      break;
    case client::ErrorClass::kReset:
      o->error = ErrorClass::kReset;
      o->retryable = true;
      break;
    default:
      o->error = ErrorClass::kOther;
      break;
  }
}

ErrorClass ErrorForStatus(int status) {
  if (status >= 400 && status < 500) return ErrorClass::kStatus4xx;
  if (status >= 500 && status < 600) return ErrorClass::kStatus5xx;
  return ErrorClass::kUnexpectedStatus;
}

}  // namespace nsw::loadgen
