// Request ids: fresh ones are unique under concurrency and carry the
// server's prefix; incoming ones are kept only when sane.
#include "server/http/request_id.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace nsw::http {
namespace {

TEST(RequestIdTest, FreshIdsCountUpUnderThePrefix) {
  RequestIds ids("abc");
  EXPECT_EQ(ids.Next(), "abc-1");
  EXPECT_EQ(ids.Next(), "abc-2");
  RequestIds random_a, random_b;
  EXPECT_EQ(random_a.prefix().size(), 8u);
  EXPECT_NE(random_a.prefix(), random_b.prefix());  // 2^-32 chance of a false failure
}

TEST(RequestIdTest, IdsAreUniqueAcrossThreads) {
  RequestIds ids("t");
  std::vector<std::vector<std::string>> seen(4);
  std::vector<std::thread> threads;
  for (auto& out : seen) {
    threads.emplace_back([&ids, &out] {
      for (int i = 0; i < 1000; ++i) out.push_back(ids.Next());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (auto& out : seen) all.insert(out.begin(), out.end());
  EXPECT_EQ(all.size(), 4000u);
}

TEST(RequestIdTest, IncomingIdsAreKeptOnlyWhenSane) {
  RequestIds ids("p");
  EXPECT_EQ(ids.For("client-7f3a.9"), "client-7f3a.9");
  EXPECT_EQ(ids.For("00000000-0000-4000-8000-000000000000"), "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(ids.For(""), "p-1");
  EXPECT_EQ(ids.For("has space"), "p-2");
  EXPECT_EQ(ids.For("quote\"d"), "p-3");
  EXPECT_EQ(ids.For("a,b"), "p-4");
  EXPECT_EQ(ids.For(std::string(129, 'x')), "p-5");
  EXPECT_EQ(ids.For(std::string(128, 'x')), std::string(128, 'x'));
  EXPECT_EQ(ids.For("line\nbreak"), "p-6");
  EXPECT_EQ(ids.For("caf\xc3\xa9"), "p-7");
}

}  // namespace
}  // namespace nsw::http
