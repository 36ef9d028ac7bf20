// The WebSocket side of LiveFeed, for session.cc only (it pulls in the
// stream types; live_feed.h stays light for server_main.cc). A session that
// reads a request for /v1/live asks LiveFeed::Admit; when admitted it calls
// ServeLive, which upgrades the connection and pushes frames until the peer
// leaves, the feed stops, or the connection is cancelled (Drain). All Beast
// WebSocket code is compiled in live_feed.cc.
#ifndef NSW_SERVER_HTTP_LIVE_SOCKET_H_
#define NSW_SERVER_HTTP_LIVE_SOCKET_H_

#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/rate_policy.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "server/http/live_feed.h"
#include "server/http/session.h"

namespace nsw::http {

using LiveTcpStream = boost::beast::basic_stream<net::ip::tcp, Executor, boost::beast::unlimited_rate_policy>;
using LiveTlsStream = boost::beast::ssl_stream<LiveTcpStream>;

// The request target names the feed (its path is /v1/live; a query is ignored).
bool IsLiveTarget(std::string_view target);

// REQUIRES: feed->Admit(request) returned true; ServeLive gives the place back.
net::awaitable<void, Executor> ServeLive(LiveFeed* feed, LiveTcpStream& stream, const Request& request);
net::awaitable<void, Executor> ServeLive(LiveFeed* feed, LiveTlsStream& stream, const Request& request);

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_LIVE_SOCKET_H_
