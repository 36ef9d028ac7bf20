// Url parsing and printing (client/http_connection.h): the small, strict
// subset of RFC 3986 a load-test target needs — http and https, a host name
// or IP literal, an optional port, an origin-form path and query.
#include <algorithm>
#include <charconv>
#include <string>

#include "client/http_connection.h"

namespace nsw::client {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCopy(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_';
}

bool IsIpv6Char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

uint16_t DefaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

}  // namespace

std::string Url::host_header() const {
  std::string out;
  bool ipv6 = host.find(':') != std::string::npos;
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
  if (port != DefaultPort(scheme)) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

std::string Url::ToString() const { return scheme + "://" + host_header() + target; }

Status ParseUrl(std::string_view text, Url* out) {
  std::string quoted(1, '\'');
  quoted.append(text.substr(0, 200));
  quoted.push_back('\'');
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Status::InvalidArgument("URL " + quoted + " contains whitespace or a control character");
    }
  }
  size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return Status::InvalidArgument("URL " + quoted + " has no scheme (expected http:// or https://)");
  }
  Url url;
  url.scheme = LowerCopy(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return Status::InvalidArgument("URL " + quoted + ": unsupported scheme '" + url.scheme +
                                   "' (expected http or https)");
  }
  std::string_view rest = text.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) {
    return Status::InvalidArgument("URL " + quoted + " has a fragment ('#'), which is never sent");
  }
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("URL " + quoted + " has user information, which is not supported");
  }
  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("URL " + quoted + ": unterminated IPv6 literal");
    }
    host = authority.substr(1, close - 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), IsIpv6Char) ||
        host.find(':') == std::string_view::npos) {
      return Status::InvalidArgument("URL " + quoted + ": bad IPv6 literal");
    }
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Status::InvalidArgument("URL " + quoted + ": unexpected text after the IPv6 literal");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (host.empty()) return Status::InvalidArgument("URL " + quoted + " has an empty host");
    if (!std::all_of(host.begin(), host.end(), IsHostChar)) {
      return Status::InvalidArgument("URL " + quoted + ": bad character in host '" + std::string(host) + "'");
    }
  }
  url.host = LowerCopy(host);
  url.port = DefaultPort(url.scheme);
  if (has_port) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return Status::InvalidArgument("URL " + quoted + ": bad port '" + std::string(port_text) +
                                     "' (expected 1-65535)");
    }
    url.port = static_cast<uint16_t>(value);
  }
  if (target.empty()) {
    url.target = "/";
  } else if (target[0] == '?') {
    url.target = "/" + std::string(target);
  } else {
    url.target = std::string(target);
  }
  *out = std::move(url);
  return Status::OK();
}

}  // namespace nsw::client
