// CompletionQueue (session.h): completions added from other threads (the
// journal's writer, in the server) all run on the io thread, each once, in
// the order each thread added them; and one added from the io thread itself
// runs later, never inside Add.
#include "server/http/session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

namespace nsw::http::testing {
namespace {

TEST(CompletionQueueTest, CompletionsFromManyThreadsRunOnTheIoThreadOnceAndInOrder) {
  Worker worker;
  auto guard = net::make_work_guard(worker.io);
  std::thread io_thread([&] { worker.io.run(); });

  constexpr int kThreads = 4;
  constexpr int kEach = 2000;
  // Touched only on the io thread.
  std::vector<std::vector<int>> ran(kThreads);
  std::atomic<int> off_thread{0};
  std::atomic<int> total{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        worker.completions.Add([&, t, i] {
          if (std::this_thread::get_id() != io_thread.get_id()) off_thread.fetch_add(1);
          ran[t].push_back(i);
          total.fetch_add(1);
        });
      }
    });
  }
  for (auto& p : producers) p.join();
  for (int i = 0; i < 500 && total.load() < kThreads * kEach; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Read the results on the io thread, after everything queued so far.
  std::promise<std::vector<std::vector<int>>> results;
  worker.completions.Add([&] { results.set_value(ran); });
  auto future = results.get_future();
  const bool ready = future.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  EXPECT_TRUE(ready);
  if (ready) {
    EXPECT_EQ(off_thread.load(), 0);
    std::vector<int> expected(kEach);
    for (int i = 0; i < kEach; ++i) expected[i] = i;
    for (const std::vector<int>& each : future.get()) EXPECT_EQ(each, expected);
  }
  guard.reset();
  worker.io.stop();
  io_thread.join();
}

TEST(CompletionQueueTest, AddOnTheIoThreadRunsLaterNotInside) {
  Worker worker;
  auto guard = net::make_work_guard(worker.io);
  std::thread io_thread([&] { worker.io.run(); });
  std::promise<std::vector<int>> order;
  std::vector<int> steps;  // io thread only
  net::post(worker.io, [&] {
    worker.completions.Add([&] {
      steps.push_back(2);
      order.set_value(steps);
    });
    steps.push_back(1);
  });
  auto future = order.get_future();
  const bool ready = future.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  EXPECT_TRUE(ready);
  if (ready) {
    EXPECT_EQ(future.get(), (std::vector<int>{1, 2}));
  }
  guard.reset();
  worker.io.stop();
  io_thread.join();
}

TEST(CompletionQueueTest, CompletionsThatNeverRanAreDestroyedWithTheWorker) {
  // Stop() leaves queued completions behind (they own suspended sessions'
  // handlers); destroying the worker must destroy them, once, without
  // running them.
  auto owned = std::make_shared<int>(0);
  std::weak_ptr<int> watch = owned;
  {
    Worker worker;
    worker.completions.Add([owned = std::move(owned)] { ++*owned; });
    EXPECT_FALSE(watch.expired());
  }
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace nsw::http::testing
