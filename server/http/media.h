// Content negotiation and body codecs of the wire protocol (DESIGN.md "Wire
// protocol"): which encoding a request body is in (Content-Type), which one
// the reply uses (Accept, with q-values and wildcards), and the protobuf /
// protobuf-JSON encoding of nsw.* messages. JSON replies use the standard
// mapping (lowerCamelCase names, 64-bit integers as strings) and print
// fields at their default values too, so a person reading curl output sees
// every field. JSON requests are parsed strictly: an unknown field is a
// malformed body. Pure functions; thread-safe.
#ifndef NSW_SERVER_HTTP_MEDIA_H_
#define NSW_SERVER_HTTP_MEDIA_H_

#include <string>
#include <string_view>

#include "proto/status.h"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace nsw::http {

enum class Encoding { kProtobuf, kJson };

inline constexpr std::string_view kProtobufMediaType = "application/x-protobuf";
inline constexpr std::string_view kJsonMediaType = "application/json";

// The Content-Type a reply in `encoding` carries.
std::string_view MediaTypeOf(Encoding encoding);
// "protobuf" or "json", for logs.
std::string_view EncodingName(Encoding encoding);

// Classifies a Content-Type value by its media type (parameters ignored,
// case-insensitive): application/json, or application/x-protobuf (also
// accepted as application/protobuf). False for anything else.
bool ParseContentType(std::string_view value, Encoding* out);

// Chooses the reply encoding from an Accept value. Each of the two encodings
// gets the q-value of the most specific media range that matches it
// (exact type, then "application/*", then "*/*"); the higher wins. On a tie,
// an encoding named explicitly beats one matched only by a wildcard, and
// after that `preferred` wins. An empty Accept means "*/*". False when both
// end up with q = 0 (406 Not Acceptable).
bool NegotiateReply(std::string_view accept, Encoding preferred, Encoding* out);

// Parses `body` in `encoding` into *message. InvalidArgument says why.
Status DecodeMessage(std::string_view body, Encoding encoding, google::protobuf::Message* message);
// Serializes *message in `encoding`, replacing *out.
Status EncodeMessage(const google::protobuf::Message& message, Encoding encoding, std::string* out);

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_MEDIA_H_
