// A connection's record counts into the server's counters once for each
// thing, whatever is reported twice: one join, one first media each way,
// one leave (only after a join), every error sent, even after the end.

#include "mcu/ConnectionRecord.hpp"
#include "mcu/ServerCounters.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

namespace plenum::mcu {
namespace {

std::size_t ReasonIndex(std::string_view reason) {
  for (std::size_t i = 0; i < ServerCounters::kLeaveReasons.size(); ++i)
    if (ServerCounters::kLeaveReasons[i] == reason) return i;
  ADD_FAILURE() << "no reason " << reason;
  return 0;
}

std::size_t CodeIndex(ErrorCode code) {
  for (std::size_t i = 0; i < ServerCounters::kErrorCodes.size(); ++i)
    if (ServerCounters::kErrorCodes[i] == code) return i;
  ADD_FAILURE() << "no code " << ToString(code);
  return 0;
}

std::uint64_t Count(const common::AtomicHistogram& histogram) {
  std::uint64_t count = 0;
  for (std::uint64_t n : histogram.Snapshot().bucket_counts) count += n;
  return count;
}

TEST(ServerCounters, KnowsEveryErrorCodeOnce) {
  // ToString gives each a distinct protocol name; none falls back.
  std::set<std::string> names;
  for (ErrorCode code : ServerCounters::kErrorCodes) names.insert(ToString(code));
  EXPECT_EQ(names.size(), ServerCounters::kErrorCodes.size());
}

TEST(ServerCounters, ARecordCountsEachThingOnce) {
  ServerCounters counters;
  const auto now = std::chrono::system_clock::now();
  ConnectionRecord record(now, &counters);
  record.ErrorSent(ErrorCode::NotJoined);  // before the join: counted too
  record.Left("leave", {});                // never joined: no leave counted
  EXPECT_EQ(counters.leaves(ReasonIndex("leave")), 0u);

  ConnectionRecord joined(now, &counters);
  joined.FirstMedia(true, "audio");  // before the join: not timed
  joined.Joined("room", ParticipantInfo{"p1", "Ada", now});
  EXPECT_EQ(counters.joins(), 1u);
  joined.FirstMedia(true, "audio");
  joined.FirstMedia(true, "video");  // the second kind: the same direction
  joined.FirstMedia(false, "video");
  EXPECT_EQ(Count(counters.firstMedia(true)), 1u);
  EXPECT_EQ(Count(counters.firstMedia(false)), 1u);
  EXPECT_GE(counters.firstMedia(true).Snapshot().sum, 0);
  EXPECT_LT(counters.firstMedia(true).Snapshot().sum, 5);  // just now

  joined.Left("socket-closed", {});
  joined.Left("leave", {});  // once only
  joined.ErrorSent(ErrorCode::RoomClosed);
  EXPECT_EQ(counters.leaves(ReasonIndex("socket-closed")), 1u);
  EXPECT_EQ(counters.leaves(ReasonIndex("leave")), 0u);
  EXPECT_EQ(counters.errors(CodeIndex(ErrorCode::NotJoined)), 1u);
  EXPECT_EQ(counters.errors(CodeIndex(ErrorCode::RoomClosed)), 1u);
  EXPECT_EQ(counters.errors(CodeIndex(ErrorCode::BadRequest)), 0u);

  // A record without counters works as before.
  ConnectionRecord alone(now);
  alone.Joined("room", ParticipantInfo{"p2", "Bo", now});
  alone.FirstMedia(true, "audio");
  alone.ErrorSent(ErrorCode::Internal);
  alone.Left("leave", {});
  EXPECT_EQ(counters.joins(), 1u);
}

}  // namespace
}  // namespace plenum::mcu
