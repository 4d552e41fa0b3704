// The server's log in journald, as under systemd: every line an entry with
// MESSAGE, PRIORITY, the code location, SYSLOG_IDENTIFIER=plenum,
// PLENUM_CATEGORY and, for a join, a leave or a failure, PLENUM_ROOM and
// PLENUM_PARTICIPANT, so that `journalctl PLENUM_ROOM=council` finds a
// room's story. A real systemd-journald runs for the test alone (its own
// mount namespace, /run a tmpfs: see support/PrivateJournal), once asked
// for (log-target=journal) and once found (auto: stderr connected to
// journald's stream, JOURNAL_STREAM naming it, as systemd does for a unit).

#include "support/E2eExpectations.hpp"
#include "support/PrivateJournal.hpp"
#include "support/ServerTest.hpp"
#include "testclient/TimeoutScale.hpp"

#include <cstdio>
#include <functional>
#include <thread>

namespace plenum::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string Describe(const std::vector<PrivateJournal::Entry>& entries) {
  std::string text;
  for (const auto& entry : entries) {
    text += "{";
    for (const auto& [name, value] : entry)
      if (name[0] != '_' || name == "_TRANSPORT") text += name + "=" + value + " ";
    text += "}\n";
  }
  return text;
}

std::string Field(const PrivateJournal::Entry& entry, const std::string& name) {
  const auto it = entry.find(name);
  return it == entry.end() ? "(none)" : it->second;
}

class JournalTest : public ServerTest {
 protected:
  // Before the server (ServerTest::SetUp), after it (TearDown).
  void SetUp() override {
    try {
      journal_ = std::make_unique<PrivateJournal>();
    } catch (const std::exception& error) {
      FAIL() << error.what();
    }
    ServerTest::SetUp();
  }
  void TearDown() override {
    ServerTest::TearDown();
    journal_.reset();
  }

  // The entries matching `match`, once there are `count` (within a scaled
  // `timeout`); what there is otherwise.
  std::vector<PrivateJournal::Entry> WaitForEntries(const std::vector<std::string>& match, std::size_t count,
                                                    std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + Scaled(timeout);
    std::vector<PrivateJournal::Entry> entries = journal_->Entries(match);
    while (entries.size() < count && Clock::now() < deadline) {
      std::this_thread::sleep_for(200ms);
      entries = journal_->Entries(match);
    }
    return entries;
  }

  // A participant joins, a third is refused (the room holds two) and the
  // first leaves; each of these is in the journal with its fields.
  void ExpectJoinLeaveAndFailureEntries() {
    const std::string room = UniqueRoom("journal");
    auto ana = Connect();
    ana->Send(JoinMessage(room, "Ana"));
    const auto joined = ana->WaitFor("joined", Scaled(5s));
    ASSERT_TRUE(joined) << HistoryOf(*ana) << Context();
    const std::string id = joined->optValue<std::string>("participant", "");
    auto bo = Connect();
    bo->Send(JoinMessage(room, "Bo"));
    ASSERT_TRUE(bo->WaitFor("joined", Scaled(5s))) << Context();
    auto cy = Connect();
    cy->Send(JoinMessage(room, "Cy"));
    ASSERT_TRUE(ReceivesError(*cy, "room-full", Scaled(5s))) << Context();
    WsClient::Message leave;
    leave.set("type", "leave");
    ana->Send(leave);

    const auto ours = WaitForEntries({"PLENUM_ROOM=" + room, "PLENUM_PARTICIPANT=" + id}, 2, 10s);
    ASSERT_EQ(ours.size(), 2u) << Describe(ours) << journal_->OutputTail() << Context();
    const auto& join = ours[0];
    const auto& left = ours[1];
    EXPECT_EQ(Field(join, "MESSAGE"),
              "join room=" + room + " participant=" + id + " name=Ana address=127.0.0.1 transport=ws");
    EXPECT_EQ(Field(left, "MESSAGE").rfind("leave room=" + room + " participant=" + id + " reason=leave duration=", 0),
              0u)
        << Field(left, "MESSAGE");
    for (const auto* entry : {&join, &left}) {
      EXPECT_EQ(Field(*entry, "PRIORITY"), "6") << Describe(ours);  // info
      EXPECT_EQ(Field(*entry, "SYSLOG_IDENTIFIER"), "plenum");
      EXPECT_EQ(Field(*entry, "PLENUM_CATEGORY"), "plenum-mcu");
      EXPECT_EQ(Field(*entry, "_TRANSPORT"), "journal");  // native, not a stream's text
      EXPECT_NE(Field(*entry, "CODE_FILE").find("SessionLog.cpp"), std::string::npos) << Describe(ours);
      EXPECT_GT(std::atoi(Field(*entry, "CODE_LINE").c_str()), 0) << Describe(ours);
    }
    EXPECT_EQ(Field(join, "CODE_FUNC"), "LogJoin");
    EXPECT_EQ(Field(left, "CODE_FUNC"), "LogLeave");

    const auto refused = WaitForEntries({"PLENUM_ROOM=" + room, "PRIORITY=4"}, 1, 5s);
    ASSERT_EQ(refused.size(), 1u) << Describe(refused);
    EXPECT_EQ(Field(refused[0], "MESSAGE").rfind("failure room=" + room + " step=join reason=room-full", 0), 0u)
        << Describe(refused);
    EXPECT_EQ(Field(refused[0], "PLENUM_PARTICIPANT"), "(none)") << Describe(refused);

    // The lines went to the journal instead of stderr, not as well.
    EXPECT_EQ(server_->OutputTail(1 << 20).find("join room=" + room), std::string::npos) << Context();
  }

  std::unique_ptr<PrivateJournal> journal_;
};

class ToldJournalTest : public JournalTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--log-target=journal", "--max-participants=2"}; }
};

TEST_F(ToldJournalTest, JoinLeaveAndFailureCarryTheirRoomAndParticipant) { ExpectJoinLeaveAndFailureEntries(); }

// As systemd starts a unit with StandardError=journal: stderr is a stream
// socket of journald's (systemd-cat connects it), and JOURNAL_STREAM holds
// that socket's device and inode. stdout goes back to the test, which
// reads the "listening on" lines there.
class FoundJournalTest : public JournalTest {
 protected:
  std::vector<std::string> ServerArgs() const override { return {"--max-participants=2"}; }
  std::vector<std::string> ServerWrapper() const override {
    return {"/bin/sh", "-c",
            "exec 3>&1; exec systemd-cat --identifier=plenum-stream /bin/sh -c "
            "'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); export JOURNAL_STREAM; exec \"$@\" >&3 3>&-' "
            "sh \"$@\"",
            "sh"};
  }
};

TEST_F(FoundJournalTest, StderrConnectedToTheJournalSendsEntriesWithFields) { ExpectJoinLeaveAndFailureEntries(); }

}  // namespace
}  // namespace plenum::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Before any thread: a mount namespace is entered by the whole process.
  if (const std::string error = plenum::test::PrivateJournal::EnterOwnRun(); !error.empty()) {
    std::fprintf(stderr, "journal test: cannot have a /run of its own: %s\n", error.c_str());
    return 1;
  }
  return RUN_ALL_TESTS();
}
