// Route: which endpoint of the wire protocol (DESIGN.md "Wire protocol") a
// request addressed, as the router decided it. Names are stable: access
// logs and metrics label requests with them.
#ifndef NSW_SERVER_HTTP_ROUTE_H_
#define NSW_SERVER_HTTP_ROUTE_H_

#include <cstdint>
#include <string_view>

namespace nsw::http {

enum class Route : uint8_t {
  kNone,         // no endpoint: 404, 405 or a transport-level refusal
  kSubmit,       // POST /v1/dossiers
  kGetDossier,   // GET  /v1/dossiers/{id}
  kFindDossier,  // GET  /v1/dossiers?client_ref=R
  kPay,          // POST /v1/dossiers/{id}/payment
  kSupplement,   // POST /v1/dossiers/{id}/supplement
  kWithdraw,     // POST /v1/dossiers/{id}/withdraw
  kCatalog,      // GET  /v1/catalog
  kStats,        // GET  /v1/stats
  kClock,        // POST /v1/admin/clock
  kHealthz,      // GET  /healthz
  kReadyz,       // GET  /readyz
  kExtra,        // a route added with Router::AddRoute (/metrics, the dashboard)
};

// "none", "submit", "get_dossier", "find_dossier", "payment", "supplement",
// "withdraw", "catalog", "stats", "clock", "healthz", "readyz", "extra".
std::string_view RouteName(Route route);

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_ROUTE_H_
