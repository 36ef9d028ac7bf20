// How the workloads turn an HTTP exchange into an Outcome: transport
// failures by class (connect, timeout and reset are worth a retry) and
// non-success statuses by class. Pure functions.
#ifndef NSW_LOADGEN_HTTP_OUTCOME_H_
#define NSW_LOADGEN_HTTP_OUTCOME_H_

#include <string_view>

#include "client/http_connection.h"
#include "loadgen/engine.h"

namespace nsw::loadgen {

// An HTTP transport failure as an Outcome.
void FillTransportOutcome(client::ErrorClass error, std::string_view message, Outcome* o);
// 4xx, 5xx, or unexpected_status for anything else.
ErrorClass ErrorForStatus(int status);

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_HTTP_OUTCOME_H_
