// The shape of the join, leave and failure lines an administrator greps,
// and the log options, as tables.

#include "mcu/Log.hpp"
#include "mcu/SessionLog.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace plenum::mcu {
namespace {

TEST(SessionLogTest, ValuesAreBareOrQuotedWithEscapes) {
  struct Case {
    std::string value;
    std::string shown;
  };
  const Case cases[] = {
      {"council", "council"},
      {"6d7eac1d736994ea", "6d7eac1d736994ea"},
      {"10.0.0.5", "10.0.0.5"},
      {"fe80::1", "fe80::1"},
      {"room-full", "room-full"},
      {"", "\"\""},
      {"Ana Lima", "\"Ana Lima\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"back\\slash", "\"back\\\\slash\""},
      {"two\nlines", "\"two\\x0alines\""},
      {"tab\there", "\"tab\\x09here\""},
      {"key=value", "\"key=value\""},
      {"Zoë", "\"Zoë\""},
  };
  for (const Case& c : cases) EXPECT_EQ(EventLine("e", {{"k", c.value}}), "e k=" + c.shown) << c.value;
}

TEST(SessionLogTest, FieldsKeepTheirOrderAndLongValuesAreCut) {
  EXPECT_EQ(EventLine("join", {{"room", "council"}, {"participant", "6d7e"}, {"name", "Ana"}}),
            "join room=council participant=6d7e name=Ana");
  EXPECT_EQ(EventLine("leave", {}), "leave");
  const std::string line = EventLine("failure", {{"message", std::string(1000, 'x')}});
  EXPECT_EQ(line, "failure message=" + std::string(200, 'x') + "...");
}

TEST(SessionLogTest, LogOptionsTakeTheirWordsOnly) {
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::Error);
  EXPECT_EQ(ParseLogLevel("warning"), LogLevel::Warning);
  EXPECT_EQ(ParseLogLevel("info"), LogLevel::Info);
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::Debug);
  EXPECT_EQ(ParseLogTarget("auto"), LogTarget::Auto);
  EXPECT_EQ(ParseLogTarget("console"), LogTarget::Console);
  EXPECT_EQ(ParseLogTarget("journal"), LogTarget::Journal);
  for (const char* bad : {"", "INFO", "verbose", "5"}) EXPECT_THROW(ParseLogLevel(bad), std::invalid_argument) << bad;
  for (const char* bad : {"", "syslog", "Journal", "stderr"})
    EXPECT_THROW(ParseLogTarget(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace plenum::mcu
