// The signing primitives (client/signing.h) against OpenSSL's reference
// one-shot calls: the fast SHA-256 and HMAC-SHA256 over the low-level
// interface must agree with EVP_Digest and HMAC() at every length around the
// 64-byte block boundaries, where padding mistakes show, and with RFC 4231's
// published HMAC-SHA256 value.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "client/signing.h"

namespace nsw::auth {
namespace {

std::string Message(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) & 0xff);
  return s;
}

TEST(SigningPrimitives, Sha256HexMatchesEvpDigestAtEveryLengthNearBlocks) {
  for (size_t n = 0; n <= 300; ++n) {
    const std::string m = Message(n);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ASSERT_EQ(EVP_Digest(m.data(), m.size(), digest, &len, EVP_sha256(), nullptr), 1);
    EXPECT_EQ(Sha256Hex(m), ToHex(std::string_view(reinterpret_cast<const char*>(digest), len))) << "length " << n;
  }
}

TEST(SigningPrimitives, HmacSha256MatchesOpensslHmacAtEveryLengthNearBlocks) {
  Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0xa0 + i);
  for (size_t n = 0; n <= 300; ++n) {
    const std::string m = Message(n);
    Key expected{};
    unsigned int len = 0;
    ASSERT_NE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                   reinterpret_cast<const unsigned char*>(m.data()), m.size(), expected.data(), &len),
              nullptr);
    ASSERT_EQ(len, expected.size());
    EXPECT_EQ(HmacSha256(key, m), expected) << "length " << n;
  }
}

// RFC 4231 test case 2 uses a 4-byte key; zero-padding it to 32 bytes gives
// the same HMAC (keys shorter than the block are zero-padded to 64 bytes).
TEST(SigningPrimitives, HmacSha256Rfc4231Case2) {
  Key key{};
  key[0] = 'J';
  key[1] = 'e';
  key[2] = 'f';
  key[3] = 'e';
  EXPECT_EQ(ToHex(HmacSha256(key, "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace nsw::auth
