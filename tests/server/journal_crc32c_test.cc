// CRC32C: published vectors (the check value and RFC 3720's iSCSI vectors),
// the hardware path against the table path, stream extension, masking.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "server/journal/crc32c.h"

namespace nsw {
namespace {

struct Vector {
  std::string data;
  uint32_t crc;
};

std::vector<Vector> Vectors() {
  std::vector<Vector> v;
  v.push_back({"123456789", 0xE3069283u});
  v.push_back({std::string(32, '\0'), 0x8A9136AAu});
  v.push_back({std::string(32, '\xff'), 0x62A8AB43u});
  std::string up(32, '\0'), down(32, '\0');
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<char>(i);
    down[i] = static_cast<char>(31 - i);
  }
  v.push_back({up, 0x46DD794Eu});
  v.push_back({down, 0x113FDB5Cu});
  // RFC 3720 B.4: an iSCSI SCSI Read (10) command PDU.
  const unsigned char read_cmd[48] = {
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
      0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  v.push_back({std::string(reinterpret_cast<const char*>(read_cmd), 48), 0xD9963A56u});
  v.push_back({"", 0u});
  return v;
}

TEST(Crc32c, PublishedVectors) {
  for (const Vector& v : Vectors()) {
    EXPECT_EQ(crc32c::Value(v.data), v.crc) << "length " << v.data.size();
    EXPECT_EQ(crc32c::ExtendPortable(0, v.data.data(), v.data.size()), v.crc) << "length " << v.data.size();
  }
}

TEST(Crc32c, HardwareAndTableAgreeOnEveryLengthAndAlignment) {
  std::mt19937 rng(42);
  std::string data(1400, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  // Past 384 bytes the hardware path interleaves three chains and joins them.
  for (size_t start = 0; start < 9; ++start) {
    for (size_t n = 0; start + n <= 1300; ++n) {
      ASSERT_EQ(crc32c::Extend(0, data.data() + start, n), crc32c::ExtendPortable(0, data.data() + start, n))
          << "start " << start << " length " << n;
    }
  }
  std::string big(3 << 20, '\0');
  for (char& c : big) c = static_cast<char>(rng());
  EXPECT_EQ(crc32c::Value(big), crc32c::ExtendPortable(0, big.data(), big.size()));
  if (!crc32c::HardwareAccelerated()) GTEST_LOG_(INFO) << "no SSE4.2 here: both paths were the table";
}

TEST(Crc32c, ExtendContinuesAStream) {
  std::string a = "hello ", b = "national single window";
  EXPECT_EQ(crc32c::Extend(crc32c::Value(a), b.data(), b.size()), crc32c::Value(a + b));
  EXPECT_EQ(crc32c::ExtendPortable(crc32c::Value(a), b.data(), b.size()), crc32c::Value(a + b));
}

TEST(Crc32c, MaskRoundTripsAndDiffers) {
  uint32_t crc = crc32c::Value("foo");
  EXPECT_NE(crc32c::Mask(crc), crc);
  EXPECT_NE(crc32c::Mask(crc32c::Mask(crc)), crc);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(crc)), crc);
  EXPECT_EQ(crc32c::Unmask(crc32c::Unmask(crc32c::Mask(crc32c::Mask(crc)))), crc);
  // All-zero bytes must never look like a valid stored CRC of an empty frame.
  EXPECT_NE(crc32c::Mask(crc32c::Value("")), 0u);
}

}  // namespace
}  // namespace nsw
