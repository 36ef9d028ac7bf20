// Tests of client/signing.h: the committed vectors (made by an independent
// Python implementation, signing_vectors.py) and a cross-check against the
// openssl command line; canonical queries; the strict header grammar; the
// two-phase Verifier (staleness, bad signatures, principals, --auth none);
// key derivation's domain separation; key files (modes, exclusivity, round
// trips) and the server's key directory.
#include "client/signing.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nsw::auth {
namespace {

namespace fs = std::filesystem;

Key KeyOf(std::string_view hex) {
  Key key{};
  EXPECT_TRUE(KeyFromHex(hex, &key)) << hex;
  return key;
}

Key MasterForTests() {
  Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  return key;
}

std::string FromHexBytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

struct Vector {
  std::map<std::string, std::string> f;
  const std::string& operator[](const std::string& k) const { return f.at(k); }
};

struct VectorFile {
  std::map<std::string, std::string> top;
  std::vector<Vector> vectors;
};

VectorFile LoadVectors() {
  fs::path path = fs::path(__FILE__).parent_path() / "signing_vectors.txt";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  VectorFile file;
  std::string line;
  Vector* current = nullptr;
  while (std::getline(in, line)) {
    if (line.empty()) {
      current = nullptr;
      continue;
    }
    if (line[0] == '#') continue;
    size_t sp = line.find(' ');
    std::string key = line.substr(0, sp);
    std::string value = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (key == "name") {
      file.vectors.emplace_back();
      current = &file.vectors.back();
    }
    if (current) {
      current->f[key] = value;
    } else {
      file.top[key] = value;
    }
  }
  return file;
}

std::string Unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
      out.push_back('\n');
      ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

TEST(SigningVectors, DerivationsMatchIndependentImplementation) {
  VectorFile file = LoadVectors();
  Key master = KeyOf(file.top.at("master"));
  EXPECT_EQ(master, MasterForTests());
  EXPECT_EQ(ToHex(DeriveEnterpriseRoot(master)), file.top.at("enterprise_root"));
  EXPECT_EQ(ToHex(DeriveAdminKey(master)), file.top.at("admin_key"));
}

TEST(SigningVectors, CanonicalStringSignatureAndHeaderMatch) {
  VectorFile file = LoadVectors();
  ASSERT_EQ(file.vectors.size(), 5u);
  Key master = KeyOf(file.top.at("master"));
  Signer signer = Signer::FromMaster(master);
  Verifier verifier = Verifier::FromMaster(master);
  for (const Vector& v : file.vectors) {
    SCOPED_TRACE(v["name"]);
    std::string body = FromHexBytes(v["body_hex"]);
    RequestParts parts{v["method"], v["target"], v["host"], v["content_type"], body};
    int64_t ts = std::stoll(v["ts"]);
    Key key = v["principal"] == "admin" ? DeriveAdminKey(master)
                                        : DeriveEnterpriseKey(DeriveEnterpriseRoot(master), v["principal"]);
    EXPECT_EQ(ToHex(key), v["key"]);
    std::string canonical;
    ASSERT_TRUE(CanonicalString(parts, ts, &canonical).ok());
    EXPECT_EQ(canonical, Unescape(v["canonical"]));
    std::string sig;
    ASSERT_TRUE(ComputeSignature(key, parts, ts, &sig).ok());
    EXPECT_EQ(sig, v["sig"]);

    std::string_view header_name;
    std::string header_value;
    ASSERT_TRUE(signer.Sign(v["principal"], ts, parts, &header_name, &header_value).ok());
    EXPECT_EQ(header_name, "Authorization");
    EXPECT_EQ(header_value, v["authorization"]);

    PendingAuth pending;
    AuthVerdict verdict = verifier.CheckHeaders(v["authorization"], "", ts + 10, &pending);
    ASSERT_TRUE(verdict.ok()) << verdict.message;
    EXPECT_EQ(pending.principal(), v["principal"]);
    verdict = verifier.CheckSignature(pending, parts);
    EXPECT_TRUE(verdict.ok()) << verdict.message;
  }
}

// The openssl command line is a third implementation of HMAC-SHA256 (the
// library under it is shared, the key handling and framing are not).
std::string OpensslHmacHex(const std::string& key_hex, const std::string& data) {
  char path[] = "/tmp/nsw_signing_testXXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(fd);
  std::string cmd = "openssl dgst -sha256 -mac HMAC -macopt hexkey:" + key_hex + " -r " + path + " 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  if (pipe != nullptr) {
    char buf[256];
    while (fgets(buf, sizeof buf, pipe) != nullptr) out += buf;
    pclose(pipe);
  }
  unlink(path);
  return out.substr(0, out.find(' '));
}

TEST(SigningVectors, CrossCheckedWithOpensslCommandLine) {
  if (system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl command not installed";
  VectorFile file = LoadVectors();
  const Vector& v = file.vectors.at(0);
  Key master = MasterForTests();
  // The enterprise root, the enterprise key and the signature, each by the CLI.
  std::string root = OpensslHmacHex(ToHex(master), "nsw enterprise root v1");
  EXPECT_EQ(root, ToHex(DeriveEnterpriseRoot(master)));
  std::string key = OpensslHmacHex(root, v["principal"]);
  EXPECT_EQ(key, v["key"]);
  std::string sig = OpensslHmacHex(key, Unescape(v["canonical"]));
  EXPECT_EQ(sig, v["sig"]);
  EXPECT_EQ(OpensslHmacHex(ToHex(master), "nsw admin v1"), ToHex(DeriveAdminKey(master)));
}

TEST(Signing, Sha256OfEmptyBody) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// ---------------------------------------------------------------- canonical query

TEST(CanonicalQuery, SortsDecodesAndReencodes) {
  std::string out;
  ASSERT_TRUE(CanonicalQuery("", &out).ok());
  EXPECT_EQ(out, "");
  ASSERT_TRUE(CanonicalQuery("b=2&a=1", &out).ok());
  EXPECT_EQ(out, "a=1&b=2");
  ASSERT_TRUE(CanonicalQuery("a=2&a=1&a=10", &out).ok());
  EXPECT_EQ(out, "a=1&a=10&a=2");
  // Unreserved escapes are decoded; reserved characters are escaped in
  // uppercase; '+' is a literal plus.
  ASSERT_TRUE(CanonicalQuery("x=%7e%2d%41&y=a+b&z=a b", &out).ok());
  EXPECT_EQ(out, "x=~-A&y=a%2Bb&z=a%20b");
  // Lowercase escapes and raw reserved characters canonicalize alike.
  std::string a, b;
  ASSERT_TRUE(CanonicalQuery("ref=a%2fb", &a).ok());
  ASSERT_TRUE(CanonicalQuery("ref=a/b", &b).ok());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, "ref=a%2Fb");
  // Empty pieces vanish; a bare name has an empty value.
  ASSERT_TRUE(CanonicalQuery("&&flag&", &out).ok());
  EXPECT_EQ(out, "flag=");
  // Only the first '=' splits.
  ASSERT_TRUE(CanonicalQuery("k=v=w", &out).ok());
  EXPECT_EQ(out, "k=v%3Dw");
}

TEST(CanonicalQuery, RefusesBadEscapes) {
  std::string out;
  for (const char* q : {"a=%", "a=%4", "a=%zz", "%g1=b", "a=1&b=%4x"}) {
    Status s = CanonicalQuery(q, &out);
    EXPECT_TRUE(s.IsInvalidArgument()) << q;
  }
}

TEST(CanonicalQuery, PercentEncodeRoundTrip) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string decoded;
  ASSERT_TRUE(PercentDecode(PercentEncode(all), &decoded).ok());
  EXPECT_EQ(decoded, all);
  EXPECT_EQ(PercentEncode("run-1/a b~"), "run-1%2Fa%20b~");
}

TEST(CanonicalString, HostLowercasedPathKept) {
  RequestParts parts{"GET", "/v1/Dossiers/%41?b=1&a=2", "NSW.Example.ORG:8080", "", ""};
  std::string canonical;
  ASSERT_TRUE(CanonicalString(parts, 42, &canonical).ok());
  EXPECT_EQ(canonical,
            "NSW1-HMAC-SHA256\nGET\n/v1/Dossiers/%41\na=2&b=1\nnsw.example.org:8080\n\n42\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// ---------------------------------------------------------------- header grammar

constexpr char kSig[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::string Header(std::string_view principal, std::string_view ts, std::string_view sig = kSig) {
  return "NSW1-HMAC-SHA256 enterprise=" + std::string(principal) + ", ts=" + std::string(ts) +
         ", sig=" + std::string(sig);
}

TEST(AuthHeaderGrammar, AcceptsWellFormed) {
  AuthHeader h;
  ASSERT_TRUE(ParseAuthorizationHeader(Header("0101234567", "1700000000"), &h).ok());
  EXPECT_EQ(h.principal, "0101234567");
  EXPECT_EQ(h.ts, 1700000000);
  EXPECT_EQ(h.sig_hex, kSig);
  EXPECT_FALSE(h.is_admin());
  ASSERT_TRUE(ParseAuthorizationHeader(Header("admin", "0"), &h).ok());
  EXPECT_TRUE(h.is_admin());
  EXPECT_EQ(h.ts, 0);
  EXPECT_EQ(FormatAuthorizationHeader(h), Header("admin", "0"));
}

TEST(AuthHeaderGrammar, RefusesEveryMalformation) {
  const std::string good = Header("0101234567", "1700000000");
  const std::string upper_sig = "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"empty", ""},
      {"scheme only", "NSW1-HMAC-SHA256"},
      {"lowercase scheme", "nsw1-hmac-sha256 enterprise=0101234567, ts=1700000000, sig=" + std::string(kSig)},
      {"other scheme", "Bearer enterprise=0101234567, ts=1700000000, sig=" + std::string(kSig)},
      {"two spaces after scheme", "NSW1-HMAC-SHA256  enterprise=0101234567, ts=1700000000, sig=" + std::string(kSig)},
      {"leading space", " " + good},
      {"trailing space", good + " "},
      {"trailing comma", good + ","},
      {"extra parameter", good + ", x=1"},
      {"params reordered", "NSW1-HMAC-SHA256 ts=1700000000, enterprise=0101234567, sig=" + std::string(kSig)},
      {"comma without space", "NSW1-HMAC-SHA256 enterprise=0101234567,ts=1700000000, sig=" + std::string(kSig)},
      {"semicolon", "NSW1-HMAC-SHA256 enterprise=0101234567; ts=1700000000, sig=" + std::string(kSig)},
      {"missing sig", "NSW1-HMAC-SHA256 enterprise=0101234567, ts=1700000000"},
      {"missing ts", "NSW1-HMAC-SHA256 enterprise=0101234567, sig=" + std::string(kSig)},
      {"quoted value", "NSW1-HMAC-SHA256 enterprise=\"0101234567\", ts=1700000000, sig=" + std::string(kSig)},
      {"tax code 9 digits", Header("010123456", "1")},
      {"tax code 11 digits", Header("01012345678", "1")},
      {"tax code with letter", Header("01012345a7", "1")},
      {"tax code with branch", Header("0101234567-001", "1")},
      {"Admin capitalized", Header("Admin", "1")},
      {"empty principal", Header("", "1")},
      {"ts signed", Header("0101234567", "+1700000000")},
      {"ts negative", Header("0101234567", "-5")},
      {"ts leading zero", Header("0101234567", "01700000000")},
      {"ts empty", Header("0101234567", "")},
      {"ts with space", Header("0101234567", " 1700000000")},
      {"ts fractional", Header("0101234567", "1700000000.5")},
      {"ts hex", Header("0101234567", "0x10")},
      {"ts too long", Header("0101234567", "1234567890123456789")},
      {"sig short", Header("0101234567", "1", std::string(kSig).substr(1))},
      {"sig long", Header("0101234567", "1", std::string(kSig) + "0")},
      {"sig uppercase", Header("0101234567", "1", upper_sig)},
      {"sig non-hex", Header("0101234567", "1", std::string(63, 'a') + "g")},
      {"sig newline", Header("0101234567", "1", std::string(kSig) + "\n")},
  };
  for (const auto& [what, value] : bad) {
    AuthHeader h;
    Status s = ParseAuthorizationHeader(value, &h);
    EXPECT_TRUE(s.IsInvalidArgument()) << what << ": " << value;
    EXPECT_FALSE(s.message().empty()) << what;
  }
}

TEST(AuthHeaderGrammar, ErrorMessagesQuoteSafely) {
  AuthHeader h;
  Status s = ParseAuthorizationHeader(Header("01\r\n12345", "1"), &h);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
}

// ---------------------------------------------------------------- verifier

class VerifierTest : public ::testing::Test {
 protected:
  Key master_ = MasterForTests();
  Signer signer_ = Signer::FromMaster(master_);
  Verifier verifier_ = Verifier::FromMaster(master_);
  std::string body_ = "payload bytes";
  RequestParts parts_{"POST", "/v1/dossiers", "127.0.0.1:8080", "application/x-protobuf", body_};

  std::string Sign(std::string_view principal, int64_t ts, const RequestParts& parts) {
    std::string_view name;
    std::string value;
    Status s = signer_.Sign(principal, ts, parts, &name, &value);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return value;
  }
  AuthVerdict Check(const std::string& header, int64_t now, const RequestParts& parts) {
    PendingAuth pending;
    AuthVerdict v = verifier_.CheckHeaders(header, "", now, &pending);
    if (!v.ok()) return v;
    return verifier_.CheckSignature(pending, parts);
  }
};

TEST_F(VerifierTest, AcceptsWithinSkewAndRefusesStale) {
  const int64_t ts = 1'700'000'000;
  std::string header = Sign("0101234567", ts, parts_);
  EXPECT_TRUE(Check(header, ts, parts_).ok());
  EXPECT_TRUE(Check(header, ts + 300, parts_).ok());
  EXPECT_TRUE(Check(header, ts - 300, parts_).ok());
  PendingAuth pending;
  AuthVerdict late = verifier_.CheckHeaders(header, "", ts + 301, &pending);
  EXPECT_EQ(late.code, AuthCode::kStale);
  EXPECT_EQ(AuthCodeName(late.code), "stale_signature");
  AuthVerdict early = verifier_.CheckHeaders(header, "", ts - 301, &pending);
  EXPECT_EQ(early.code, AuthCode::kStale);
  // A custom window.
  Verifier strict = Verifier::FromMaster(master_, VerifierOptions{.max_skew_seconds = 5});
  EXPECT_EQ(strict.CheckHeaders(header, "", ts + 6, &pending).code, AuthCode::kStale);
  EXPECT_TRUE(strict.CheckHeaders(header, "", ts + 5, &pending).ok());
}

TEST_F(VerifierTest, StalenessIsDecidedBeforeTheBody) {
  // Phase (a) needs nothing but the header and the clock: a stale request
  // is refused even though its signature is right.
  std::string header = Sign("0101234567", 1000, parts_);
  PendingAuth pending;
  EXPECT_EQ(verifier_.CheckHeaders(header, "", 5000, &pending).code, AuthCode::kStale);
}

TEST_F(VerifierTest, DistinctCodes) {
  const int64_t ts = 1'700'000'000;
  PendingAuth pending;
  EXPECT_EQ(verifier_.CheckHeaders("", "", ts, &pending).code, AuthCode::kMissing);
  EXPECT_EQ(verifier_.CheckHeaders("Bearer x", "", ts, &pending).code, AuthCode::kMalformed);
  // X-NSW-Enterprise means nothing when signatures are required.
  EXPECT_EQ(verifier_.CheckHeaders("", "0101234567", ts, &pending).code, AuthCode::kMissing);
  std::set<std::string_view> names;
  for (AuthCode c : {AuthCode::kOk, AuthCode::kMissing, AuthCode::kMalformed, AuthCode::kBadSignature,
                     AuthCode::kStale, AuthCode::kKeyUnavailable}) {
    names.insert(AuthCodeName(c));
  }
  EXPECT_EQ(names.size(), 6u);
}

TEST_F(VerifierTest, AnyChangeBreaksTheSignature) {
  const int64_t ts = 1'700'000'000;
  std::string header = Sign("0101234567", ts, parts_);
  ASSERT_TRUE(Check(header, ts, parts_).ok());
  std::string other_body = body_ + "!";
  std::vector<RequestParts> tampered = {
      {"PUT", parts_.target, parts_.host, parts_.content_type, parts_.body},
      {parts_.method, "/v1/dossiers/1", parts_.host, parts_.content_type, parts_.body},
      {parts_.method, "/v1/dossiers?x=1", parts_.host, parts_.content_type, parts_.body},
      {parts_.method, parts_.target, "127.0.0.1:8081", parts_.content_type, parts_.body},
      {parts_.method, parts_.target, parts_.host, "application/json", parts_.body},
      {parts_.method, parts_.target, parts_.host, "", parts_.body},
      {parts_.method, parts_.target, parts_.host, parts_.content_type, other_body},
  };
  for (const RequestParts& p : tampered) {
    AuthVerdict v = Check(header, ts, p);
    EXPECT_EQ(v.code, AuthCode::kBadSignature) << p.method << " " << p.target << " " << p.host << " "
                                               << p.content_type;
  }
  // The host is compared lowercased, so case in the Host header is not a change.
  RequestParts upper = parts_;
  upper.host = "127.0.0.1:8080";
  EXPECT_TRUE(Check(header, ts, upper).ok());
  // Another principal, or another ts, with the same sig.
  AuthHeader h;
  ASSERT_TRUE(ParseAuthorizationHeader(header, &h).ok());
  h.principal = "0101234568";
  EXPECT_EQ(Check(FormatAuthorizationHeader(h), ts, parts_).code, AuthCode::kBadSignature);
  h.principal = "0101234567";
  h.ts = ts + 1;
  EXPECT_EQ(Check(FormatAuthorizationHeader(h), ts, parts_).code, AuthCode::kBadSignature);
  // Every single flipped hex digit of the signature is caught (the compare
  // covers the whole MAC, not a prefix).
  ASSERT_TRUE(ParseAuthorizationHeader(header, &h).ok());
  for (size_t i = 0; i < h.sig_hex.size(); ++i) {
    AuthHeader t = h;
    t.sig_hex[i] = t.sig_hex[i] == '0' ? '1' : '0';
    EXPECT_EQ(Check(FormatAuthorizationHeader(t), ts, parts_).code, AuthCode::kBadSignature) << i;
  }
}

TEST_F(VerifierTest, QueryOrderAndEscapesDoNotMatter) {
  const int64_t ts = 1'700'000'000;
  RequestParts a{"GET", "/v1/dossiers?client_ref=a%2Fb&x=1", "h", "", ""};
  RequestParts b{"GET", "/v1/dossiers?x=1&client_ref=a/b", "h", "", ""};
  std::string header = Sign("0101234567", ts, a);
  EXPECT_TRUE(Check(header, ts, b).ok());
  RequestParts bad{"GET", "/v1/dossiers?client_ref=%zz", "h", "", ""};
  PendingAuth pending;
  ASSERT_TRUE(verifier_.CheckHeaders(header, "", ts, &pending).ok());
  EXPECT_EQ(verifier_.CheckSignature(pending, bad).code, AuthCode::kMalformed);
}

TEST_F(VerifierTest, PrincipalsUseTheirOwnKeys) {
  const int64_t ts = 1'700'000'000;
  // An enterprise signature relabelled as admin, and the reverse, fail.
  AuthHeader h;
  ASSERT_TRUE(ParseAuthorizationHeader(Sign("0101234567", ts, parts_), &h).ok());
  h.principal = "admin";
  EXPECT_EQ(Check(FormatAuthorizationHeader(h), ts, parts_).code, AuthCode::kBadSignature);
  ASSERT_TRUE(ParseAuthorizationHeader(Sign("admin", ts, parts_), &h).ok());
  EXPECT_TRUE(Check(FormatAuthorizationHeader(h), ts, parts_).ok());
  h.principal = "0101234567";
  EXPECT_EQ(Check(FormatAuthorizationHeader(h), ts, parts_).code, AuthCode::kBadSignature);

  // A verifier without an admin key says so rather than "bad signature".
  Verifier enterprise_only = Verifier::FromKeys(DeriveEnterpriseRoot(master_), std::nullopt);
  PendingAuth pending;
  EXPECT_EQ(enterprise_only.CheckHeaders(Sign("admin", ts, parts_), "", ts, &pending).code,
            AuthCode::kKeyUnavailable);
  EXPECT_TRUE(enterprise_only.CheckHeaders(Sign("0101234567", ts, parts_), "", ts, &pending).ok());
  EXPECT_TRUE(enterprise_only.CheckSignature(pending, parts_).ok());
}

TEST(VerifierUnauthenticated, TakesThePrincipalFromEitherHeader) {
  Verifier none = Verifier::Unauthenticated();
  EXPECT_FALSE(none.authenticates());
  PendingAuth pending;
  RequestParts parts{"GET", "/v1/stats", "h", "", ""};
  ASSERT_TRUE(none.CheckHeaders("", "0101234567", 100, &pending).ok());
  EXPECT_EQ(pending.principal(), "0101234567");
  EXPECT_TRUE(none.CheckSignature(pending, parts).ok());
  ASSERT_TRUE(none.CheckHeaders("", "admin", 100, &pending).ok());
  EXPECT_TRUE(pending.is_admin());
  // A signed request works unchanged, whatever its ts and sig.
  ASSERT_TRUE(none.CheckHeaders(Header("0309876543", "1"), "", 1'700'000'000, &pending).ok());
  EXPECT_EQ(pending.principal(), "0309876543");
  EXPECT_TRUE(none.CheckSignature(pending, parts).ok());
  EXPECT_EQ(none.CheckHeaders("", "", 100, &pending).code, AuthCode::kMissing);
  EXPECT_EQ(none.CheckHeaders("", "12345", 100, &pending).code, AuthCode::kMalformed);
  EXPECT_EQ(none.CheckHeaders("garbage", "0101234567", 100, &pending).code, AuthCode::kMalformed);
}

TEST(SignerTest, WithoutKeysNamesTheEnterprise) {
  Signer none;
  std::string_view name;
  std::string value;
  RequestParts parts{"GET", "/v1/stats", "h", "", ""};
  ASSERT_TRUE(none.Sign("0101234567", 1, parts, &name, &value).ok());
  EXPECT_EQ(name, kEnterpriseHeader);
  EXPECT_EQ(value, "0101234567");
  EXPECT_TRUE(none.Sign("bogus", 1, parts, &name, &value).IsInvalidArgument());
}

TEST(SignerTest, RefusesPrincipalsWithoutTheirKey) {
  Key master = MasterForTests();
  std::string_view name;
  std::string value;
  RequestParts parts{"GET", "/v1/stats", "h", "", ""};
  Signer loadgen = Signer::FromEnterpriseRoot(DeriveEnterpriseRoot(master));
  EXPECT_EQ(loadgen.Sign("admin", 1, parts, &name, &value).code(), Status::Code::kFailedPrecondition);
  EXPECT_TRUE(loadgen.Sign("0101234567", 1, parts, &name, &value).ok());
  Signer admin = Signer::FromAdmin(DeriveAdminKey(master));
  EXPECT_EQ(admin.Sign("0101234567", 1, parts, &name, &value).code(), Status::Code::kFailedPrecondition);
  EXPECT_TRUE(admin.Sign("admin", 1, parts, &name, &value).ok());
}

// ---------------------------------------------------------------- keys

TEST(KeyDerivation, DomainSeparation) {
  Key master = MasterForTests();
  Key root = DeriveEnterpriseRoot(master);
  Key admin = DeriveAdminKey(master);
  EXPECT_NE(root, master);
  EXPECT_NE(admin, master);
  EXPECT_NE(root, admin);
  // The labels are what separates them: HMAC of the same master under
  // swapped or missing labels differs from both.
  EXPECT_EQ(root, HmacSha256(master, "nsw enterprise root v1"));
  EXPECT_EQ(admin, HmacSha256(master, "nsw admin v1"));
  EXPECT_NE(HmacSha256(master, ""), root);
  // Enterprise keys hang off the root, not the master, and differ per code.
  Key e1 = DeriveEnterpriseKey(root, "0101234567");
  Key e2 = DeriveEnterpriseKey(root, "0101234568");
  EXPECT_NE(e1, e2);
  EXPECT_NE(e1, DeriveEnterpriseKey(master, "0101234567"));
  EXPECT_NE(e1, admin);
  // "admin" is not a tax code, so no enterprise key can equal the admin key path.
  EXPECT_FALSE(IsValidTaxCode("admin"));
  EXPECT_TRUE(IsValidPrincipal("admin"));
}

TEST(KeyDerivation, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "ab"));
  std::string a(64, 'x'), b(64, 'x');
  b[0] = 'y';
  EXPECT_FALSE(ConstantTimeEqual(a, b));
  b[0] = 'x';
  b[63] = 'y';
  EXPECT_FALSE(ConstantTimeEqual(a, b));
}

TEST(KeyDerivation, EnterpriseKeyCacheDerivesOnce) {
  Key root = DeriveEnterpriseRoot(MasterForTests());
  EnterpriseKeyCache cache(root);
  const Key& a = cache.Get("0101234567");
  EXPECT_EQ(a, DeriveEnterpriseKey(root, "0101234567"));
  EXPECT_EQ(&cache.Get("0101234567"), &a);
  cache.Get("0309876543");
  EXPECT_EQ(cache.size(), 2u);
}

TEST(KeyDerivation, HexRoundTrip) {
  Key key = MasterForTests();
  Key back{};
  ASSERT_TRUE(KeyFromHex(ToHex(key), &back));
  EXPECT_EQ(back, key);
  EXPECT_FALSE(KeyFromHex(ToHex(key).substr(2), &back));
  std::string upper = ToHex(key);
  upper[1] = 'A';
  EXPECT_FALSE(KeyFromHex(upper, &back));
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nsw_keyfile_testXXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(KeyFileTest, RoundTripWithMode0600) {
  Key key;
  ASSERT_TRUE(GenerateKey(&key).ok());
  std::string path = dir_ + "/master.key";
  ASSERT_TRUE(WriteKeyFile(path, KeyKind::kMaster, key).ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "NSW1 master " + ToHex(key) + "\n");
  KeyKind kind;
  Key back{};
  ASSERT_TRUE(ReadKeyFile(path, &kind, &back).ok());
  EXPECT_EQ(kind, KeyKind::kMaster);
  EXPECT_EQ(back, key);
  // No temp file is left behind.
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST_F(KeyFileTest, NeverOverwrites) {
  Key a, b;
  ASSERT_TRUE(GenerateKey(&a).ok());
  ASSERT_TRUE(GenerateKey(&b).ok());
  EXPECT_NE(a, b);
  std::string path = dir_ + "/k.key";
  ASSERT_TRUE(WriteKeyFile(path, KeyKind::kAdmin, a).ok());
  Status s = WriteKeyFile(path, KeyKind::kAdmin, b);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  Key back{};
  ASSERT_TRUE(ReadKeyFileOfKind(path, KeyKind::kAdmin, &back).ok());
  EXPECT_EQ(back, a);
}

TEST_F(KeyFileTest, RefusesGroupOrOtherAccess) {
  Key key = MasterForTests();
  std::string path = dir_ + "/enterprise-root.key";
  ASSERT_TRUE(WriteKeyFile(path, KeyKind::kEnterpriseRoot, key).ok());
  for (mode_t mode : {0644, 0640, 0604, 0620, 0602, 0660}) {
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
    KeyKind kind;
    Key back{};
    Status s = ReadKeyFile(path, &kind, &back);
    ASSERT_FALSE(s.ok()) << std::oct << mode;
    char mode_text[8];
    std::snprintf(mode_text, sizeof mode_text, "0%03o", static_cast<unsigned>(mode));
    EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(mode_text), std::string::npos) << s.message();
    Signer signer;
    EXPECT_FALSE(Signer::FromKeyFile(path, &signer).ok());
  }
  ASSERT_EQ(chmod(path.c_str(), 0400), 0);
  Signer signer;
  ASSERT_TRUE(Signer::FromKeyFile(path, &signer).ok());
  EXPECT_TRUE(signer.can_sign_enterprise());
  EXPECT_FALSE(signer.can_sign_admin());
}

TEST_F(KeyFileTest, ParseErrorsNameTheFile) {
  Key key{};
  KeyKind kind;
  const std::vector<std::string> bad = {
      "",
      "NSW1 master\n",
      "NSW2 master " + std::string(64, 'a') + "\n",
      "NSW1 root " + std::string(64, 'a') + "\n",
      "NSW1 master " + std::string(63, 'a') + "\n",
      "NSW1 master " + std::string(64, 'A') + "\n",
      "NSW1 master " + std::string(64, 'a') + "\n\n",
      "NSW1  master " + std::string(64, 'a') + "\n",
      "NSW1 master " + std::string(64, 'a') + " \n",
  };
  for (const std::string& text : bad) {
    Status s = ParseKeyFile(text, "x.key", &kind, &key);
    EXPECT_TRUE(s.IsInvalidArgument()) << text;
    EXPECT_EQ(s.message().rfind("x.key", 0), 0u) << s.message();
  }
  EXPECT_TRUE(ParseKeyFile("NSW1 admin " + std::string(64, 'a'), "x", &kind, &key).ok());
  EXPECT_EQ(kind, KeyKind::kAdmin);
  // The wrong kind for the purpose.
  std::string path = dir_ + "/admin.key";
  ASSERT_TRUE(WriteKeyFile(path, KeyKind::kAdmin, key).ok());
  Status s = ReadKeyFileOfKind(path, KeyKind::kMaster, &key);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("admin"), std::string::npos);
  EXPECT_FALSE(ReadKeyFile(dir_ + "/absent.key", &kind, &key).ok());
  EXPECT_FALSE(ReadKeyFile(dir_, &kind, &key).ok());
}

TEST_F(KeyFileTest, WriterCallbackIsUsed) {
  std::string written_path, written_data;
  int written_mode = 0;
  AtomicFileWriter writer = [&](const std::string& path, std::string_view data, int mode) {
    written_path = path;
    written_data = std::string(data);
    written_mode = mode;
    return Status::OK();
  };
  Key key = MasterForTests();
  ASSERT_TRUE(WriteKeyFile(dir_ + "/m.key", KeyKind::kMaster, key, writer).ok());
  EXPECT_EQ(written_path, dir_ + "/m.key");
  EXPECT_EQ(written_data, FormatKeyFile(KeyKind::kMaster, key));
  EXPECT_EQ(written_mode, 0600);
}

TEST_F(KeyFileTest, ServerKeysCreatedOnceThenLoaded) {
  ServerKeys first;
  bool created = false;
  ASSERT_TRUE(LoadOrCreateServerKeys(dir_, &first, &created).ok());
  EXPECT_TRUE(created);
  EXPECT_EQ(first.enterprise_root, DeriveEnterpriseRoot(first.master));
  EXPECT_EQ(first.admin, DeriveAdminKey(first.master));
  for (std::string_view name : {kMasterKeyFileName, kEnterpriseRootKeyFileName, kAdminKeyFileName}) {
    struct stat st;
    ASSERT_EQ(stat((dir_ + "/" + std::string(name)).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
  Key root{};
  ASSERT_TRUE(ReadKeyFileOfKind(dir_ + "/enterprise-root.key", KeyKind::kEnterpriseRoot, &root).ok());
  EXPECT_EQ(root, first.enterprise_root);

  // A lost derived file is rewritten; the master is kept.
  fs::remove(dir_ + "/admin.key");
  ServerKeys second;
  ASSERT_TRUE(LoadOrCreateServerKeys(dir_, &second, &created).ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(second.master, first.master);
  EXPECT_TRUE(fs::exists(dir_ + "/admin.key"));

  // A readable master is refused.
  ASSERT_EQ(chmod((dir_ + "/master.key").c_str(), 0644), 0);
  ServerKeys third;
  Status s = LoadOrCreateServerKeys(dir_, &third, &created);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("master.key"), std::string::npos);
  ASSERT_EQ(chmod((dir_ + "/master.key").c_str(), 0600), 0);

  // A derived file that does not belong to this master is refused.
  fs::remove(dir_ + "/admin.key");
  Key other;
  ASSERT_TRUE(GenerateKey(&other).ok());
  ASSERT_TRUE(WriteKeyFile(dir_ + "/admin.key", KeyKind::kAdmin, other).ok());
  s = LoadOrCreateServerKeys(dir_, &third, &created);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("does not match"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace nsw::auth
