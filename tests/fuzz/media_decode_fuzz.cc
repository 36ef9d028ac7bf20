// Fuzzes the wire codecs (server/http/media.cc): request bodies in protobuf
// and in the protobuf JSON mapping decoded into every message the server
// or the client decodes, and Content-Type / Accept negotiation. Property:
// once a body decodes, encoding is a fixed point (encode(decode(encode(m)))
// equals encode(m)), so a reply can always be read back.
// Input: byte 0 picks the message (bits 1..3) and the encoding (bit 0); the
// rest is the body, and also the Content-Type and Accept values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "proto/nsw.pb.h"
#include "server/http/media.h"

namespace {

std::unique_ptr<google::protobuf::Message> NewMessage(int kind) {
  switch (kind) {
    case 0: return std::make_unique<nsw::SubmitRequest>();
    case 1: return std::make_unique<nsw::ClockRequest>();
    case 2: return std::make_unique<nsw::SubmitReply>();
    case 3: return std::make_unique<nsw::Dossier>();
    case 4: return std::make_unique<nsw::ClockReply>();
    case 5: return std::make_unique<nsw::Error>();
    case 6: return std::make_unique<nsw::Stats>();
    default: return std::make_unique<nsw::CatalogProto>();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool silenced = nsw::fuzz::SilenceProtobufLogs();
  (void)silenced;
  if (size < 1) return 0;
  using nsw::http::Encoding;
  const Encoding encoding = (data[0] & 1) ? Encoding::kJson : Encoding::kProtobuf;
  const int kind = (data[0] >> 1) & 7;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  Encoding negotiated;
  (void)nsw::http::ParseContentType(body, &negotiated);
  (void)nsw::http::NegotiateReply(body, encoding, &negotiated);

  std::unique_ptr<google::protobuf::Message> message = NewMessage(kind);
  if (!nsw::http::DecodeMessage(body, encoding, message.get()).ok()) return 0;
  std::string first;
  if (!nsw::http::EncodeMessage(*message, encoding, &first).ok()) return 0;
  std::unique_ptr<google::protobuf::Message> again = NewMessage(kind);
  if (!nsw::http::DecodeMessage(first, encoding, again.get()).ok()) std::abort();  // our own output refused
  std::string second;
  if (!nsw::http::EncodeMessage(*again, encoding, &second).ok() || second != first) std::abort();
  return 0;
}
