// The media threads (transport/MediaWorker, MediaWorkerPool): tasks run
// on the worker in order, Invoke waits for its task, a worker's thread is
// named, rooms are placed on the least loaded worker.
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "transport/MediaWorker.hpp"
#include "transport/MediaWorkerPool.hpp"

namespace plenum::transport {
namespace {

TEST(MediaWorker, RunsPostedTasksInOrderOnItsOwnThread) {
  MediaWorker worker("test-worker");
  std::vector<int> order;
  std::thread::id ranOn;
  for (int i = 0; i < 100; ++i) worker.Post([&order, i] { order.push_back(i); });
  worker.Invoke([&] { ranOn = std::this_thread::get_id(); });
  EXPECT_NE(ranOn, std::this_thread::get_id());
  ASSERT_EQ(order.size(), 100u) << "Invoke runs after what was posted before it";
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);

  char name[16] = {};
  worker.Invoke([&] { pthread_getname_np(pthread_self(), name, sizeof name); });
  EXPECT_STREQ(name, "test-worker");
}

TEST(MediaWorker, InvokeFromTheWorkerRunsAtOnce) {
  MediaWorker worker("test-worker");
  bool inner = false;
  worker.Invoke([&] {
    EXPECT_TRUE(worker.IsCurrentThread());
    worker.Invoke([&] { inner = true; });
    EXPECT_TRUE(inner);
  });
  EXPECT_FALSE(worker.IsCurrentThread());
}

TEST(MediaWorker, TasksLeftAtDestructionAreFreedNotRun) {
  auto counter = std::make_shared<int>(0);
  std::atomic<int> ran{0};
  {
    MediaWorker worker("test-worker");
    worker.Invoke([&] {
      // Posted from the worker while it is about to be told to quit: some
      // may not run, but every closure (and what it holds) is destroyed.
      for (int i = 0; i < 1000; ++i) worker.Post([counter, &ran] { ++ran; });
    });
  }
  EXPECT_EQ(counter.use_count(), 1) << "a posted closure leaked";
}

TEST(MediaWorkerPool, PlacesRoomsOnTheLeastLoadedWorker) {
  MediaWorkerPool pool(3);
  ASSERT_EQ(pool.Size(), 3u);
  EXPECT_EQ(pool.Place(), 0u);
  EXPECT_EQ(pool.Place(), 1u);
  EXPECT_EQ(pool.Place(), 2u);
  pool.AddLoad(0, 40);  // a big room on worker 0
  pool.AddLoad(1, 2);
  // Loads 41, 3, 1: the empty rooms on worker 2 take the next two, then a
  // tie at 3 goes to the lower index.
  EXPECT_EQ(pool.Place(), 2u);
  EXPECT_EQ(pool.Place(), 2u);
  EXPECT_EQ(pool.Place(), 1u);
  EXPECT_EQ(pool.Rooms(2), 3u);
  pool.Release(0);
  pool.AddLoad(0, -40);
  EXPECT_EQ(pool.Place(), 0u) << "the big room has gone";
}

TEST(MediaWorkerPool, ZeroMeansOnePerCore) {
  MediaWorkerPool pool(0);
  EXPECT_EQ(pool.Size(), std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace
}  // namespace plenum::transport
