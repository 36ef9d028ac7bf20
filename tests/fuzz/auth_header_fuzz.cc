// Fuzzes the server's reading of authentication material from untrusted
// bytes: the strict Authorization header grammar (a value that parses must
// format back to a value that parses to the same fields), the Verifier's
// header stage, the canonical query and percent decoding every signed
// request goes through, and key files.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "client/signing.h"
#include "fuzz/fuzz_util.h"

namespace {

nsw::auth::Key FuzzMaster() {
  nsw::auth::Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 13 + 5);
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool silenced = nsw::fuzz::SilenceProtobufLogs();
  (void)silenced;
  static const nsw::auth::Verifier verifier = nsw::auth::Verifier::FromMaster(FuzzMaster());
  std::string_view text(reinterpret_cast<const char*>(data), size);

  nsw::auth::AuthHeader header;
  if (nsw::auth::ParseAuthorizationHeader(text, &header).ok()) {
    // The grammar is strict: what parses is canonical.
    std::string again = nsw::auth::FormatAuthorizationHeader(header);
    nsw::auth::AuthHeader reparsed;
    if (!nsw::auth::ParseAuthorizationHeader(again, &reparsed).ok() || reparsed.principal != header.principal ||
        reparsed.ts != header.ts || reparsed.sig_hex != header.sig_hex) {
      std::abort();
    }
  }

  // The header stage, as the router calls it (the value as Authorization,
  // and as X-NSW-Enterprise, which an hmac verifier must refuse).
  nsw::auth::PendingAuth pending;
  nsw::auth::AuthVerdict verdict = verifier.CheckHeaders(text, "", 1'700'000'000, &pending);
  if (verdict.ok()) {
    nsw::auth::RequestParts parts;
    parts.method = "POST";
    parts.target = "/v1/dossiers";
    parts.host = "127.0.0.1";
    parts.content_type = "application/json";
    parts.body = text;
    (void)verifier.CheckSignature(pending, parts);
  }
  (void)verifier.CheckHeaders("", text, 1'700'000'000, &pending);

  std::string out;
  (void)nsw::auth::CanonicalQuery(text, &out);
  (void)nsw::auth::PercentDecode(text, &out);

  nsw::auth::KeyKind kind;
  nsw::auth::Key key;
  (void)nsw::auth::ParseKeyFile(text, "fuzz", &kind, &key);
  return 0;
}
