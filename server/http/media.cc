// Content negotiation and protobuf/JSON codecs; see media.h.
#include "server/http/media.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace nsw::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// ASCII only, as media types are (RFC 9110 tokens), and inline: std::tolower
// is a call into the C locale per character, on every request's
// Content-Type and Accept.
char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// The media type of a header element: the text before ';', trimmed.
std::string_view MediaTypePart(std::string_view element) {
  return Trim(element.substr(0, element.find(';')));
}

bool IsJson(std::string_view type) { return EqualsIgnoreCase(type, kJsonMediaType); }
bool IsProtobuf(std::string_view type) {
  return EqualsIgnoreCase(type, kProtobufMediaType) || EqualsIgnoreCase(type, "application/protobuf");
}

// RFC 9110 qvalue: "0", "0.xyz", "1", "1.000". False when malformed.
bool ParseQValue(std::string_view text, double* q) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return false;
  double value = text[0] - '0';
  if (text.size() > 1) {
    if (text[1] != '.' || text.size() > 5) return false;
    double scale = 0.1;
    for (size_t i = 2; i < text.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
      value += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (value > 1.0) return false;
  *q = value;
  return true;
}

// How well a media range matches an encoding: 3 exact, 2 "application/*",
// 1 "*/*", 0 not at all.
int Specificity(std::string_view range, Encoding encoding) {
  if (range == "*/*") return 1;
  if (EqualsIgnoreCase(range, "application/*")) return 2;
  if (encoding == Encoding::kJson ? IsJson(range) : IsProtobuf(range)) return 3;
  return 0;
}

struct Match {
  int specificity = 0;
  double q = 0;
};

}  // namespace

std::string_view MediaTypeOf(Encoding encoding) {
  return encoding == Encoding::kJson ? kJsonMediaType : kProtobufMediaType;
}

std::string_view EncodingName(Encoding encoding) {
  return encoding == Encoding::kJson ? "json" : "protobuf";
}

bool ParseContentType(std::string_view value, Encoding* out) {
  std::string_view type = MediaTypePart(value);
  if (IsJson(type)) {
    *out = Encoding::kJson;
    return true;
  }
  if (IsProtobuf(type)) {
    *out = Encoding::kProtobuf;
    return true;
  }
  return false;
}

bool NegotiateReply(std::string_view accept, Encoding preferred, Encoding* out) {
  if (Trim(accept).empty()) {
    *out = preferred;
    return true;
  }
  Match json, protobuf;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view element = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    std::string_view range = MediaTypePart(element);
    if (range.empty()) continue;
    double q = 1.0;
    bool valid = true;
    std::string_view params = element.substr(std::min(element.size(), element.find(';')));
    while (!params.empty()) {
      params.remove_prefix(1);  // ';'
      size_t semi = params.find(';');
      std::string_view param = Trim(params.substr(0, semi));
      params = semi == std::string_view::npos ? std::string_view() : params.substr(semi);
      if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        valid = ParseQValue(Trim(param.substr(2)), &q);
      }
    }
    if (!valid) continue;  // a range we cannot read says nothing
    for (auto [encoding, match] : {std::pair{Encoding::kJson, &json}, std::pair{Encoding::kProtobuf, &protobuf}}) {
      int s = Specificity(range, encoding);
      if (s > match->specificity) *match = Match{s, q};
    }
  }
  if (json.q <= 0 && protobuf.q <= 0) return false;
  if (json.q != protobuf.q) {
    *out = json.q > protobuf.q ? Encoding::kJson : Encoding::kProtobuf;
  } else if ((json.specificity == 3) != (protobuf.specificity == 3)) {
    *out = json.specificity == 3 ? Encoding::kJson : Encoding::kProtobuf;
  } else {
    *out = preferred;
  }
  return true;
}

Status DecodeMessage(std::string_view body, Encoding encoding, google::protobuf::Message* message) {
  if (encoding == Encoding::kProtobuf) {
    if (body.size() > static_cast<size_t>(INT32_MAX) ||
        !message->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return Status::InvalidArgument("the body is not a valid " + message->GetTypeName() + " in protobuf encoding");
    }
    return Status::OK();
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), message, options);
  if (!status.ok()) {
    return Status::InvalidArgument("the body is not a valid " + message->GetTypeName() +
                                   " in JSON: " + std::string(status.message()));
  }
  return Status::OK();
}

Status EncodeMessage(const google::protobuf::Message& message, Encoding encoding, std::string* out) {
  out->clear();
  if (encoding == Encoding::kProtobuf) {
    if (!message.SerializeToString(out)) return Status::InvalidArgument("cannot serialize " + message.GetTypeName());
    return Status::OK();
  }
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  auto status = google::protobuf::util::MessageToJsonString(message, out, options);
  if (!status.ok()) {
    return Status::InvalidArgument("cannot print " + message.GetTypeName() + " as JSON: " + std::string(status.message()));
  }
  out->push_back('\n');
  return Status::OK();
}

}  // namespace nsw::http
