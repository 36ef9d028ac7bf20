// The live dashboard page (server/http/dashboard.html), embedded in the
// binary by cmake/embed_text.cmake: one self-contained HTML document (inline
// CSS, JavaScript and SVG; no external URL) that LiveFeed serves at GET /.
#ifndef NSW_SERVER_HTTP_DASHBOARD_PAGE_H_
#define NSW_SERVER_HTTP_DASHBOARD_PAGE_H_

namespace nsw::http {

extern const char* const kDashboardHtml;

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_DASHBOARD_PAGE_H_
