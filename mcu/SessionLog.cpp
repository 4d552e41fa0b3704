#include "mcu/SessionLog.hpp"

#include <chrono>
#include <cstdio>

#include "mcu/Log.hpp"

namespace plenum::mcu {
namespace {

constexpr std::size_t kMaxValueBytes = 200;

bool Bare(std::string_view value) {
  if (value.empty()) return false;
  for (const char c : value) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                       c == '_' || c == ':' || c == '@' || c == '/' || c == '+' || c == '-';
    if (!plain) return false;
  }
  return true;
}

void AppendValue(std::string& line, std::string_view value) {
  const bool cut = value.size() > kMaxValueBytes;
  if (cut) value = value.substr(0, kMaxValueBytes);
  if (Bare(value)) {
    line.append(value);
  } else {
    line.push_back('"');
    for (const char c : value) {
      if (c == '"' || c == '\\') {
        line.push_back('\\');
        line.push_back(c);
      } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
        line.append(escaped);
      } else {
        line.push_back(c);
      }
    }
    line.push_back('"');
  }
  if (cut) line.append("...");
}

std::string Seconds(TimePoint since) {
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - since);
  return std::to_string(elapsed.count() < 0 ? 0 : elapsed.count()) + "s";
}

}  // namespace

std::string EventLine(std::string_view event, const EventFields& fields) {
  std::string line(event);
  for (const auto& [key, value] : fields) {
    line.push_back(' ');
    line.append(key).push_back('=');
    AppendValue(line, value);
  }
  return line;
}

void LogJoin(const std::string& room, const ParticipantInfo& participant, const SessionOrigin& origin) {
  const std::string line = EventLine("join", {{"room", room},
                                              {"participant", participant.id},
                                              {"name", participant.name},
                                              {"address", origin.address},
                                              {"transport", origin.transport}});
  PLENUM_LOG_INFO_IN(room, participant.id, "%s", line.c_str());
}

void LogLeave(const std::string& room, const ParticipantInfo& participant, const std::string& reason) {
  const std::string line = EventLine("leave", {{"room", room},
                                               {"participant", participant.id},
                                               {"reason", reason},
                                               {"duration", Seconds(participant.joinedAt)}});
  PLENUM_LOG_INFO_IN(room, participant.id, "%s", line.c_str());
}

void LogConnectionFailure(const std::string& room, const std::string& participant, const std::string& step,
                          const std::string& reason) {
  const std::string line =
      EventLine("failure", {{"room", room}, {"participant", participant}, {"step", step}, {"reason", reason}});
  PLENUM_LOG_WARNING_IN(room, participant, "%s", line.c_str());
}

void LogRefusedJoin(const std::string& room, ErrorCode code, const std::string& message, const SessionOrigin& origin) {
  const std::string line = EventLine("failure", {{"room", room},
                                                 {"step", "join"},
                                                 {"reason", ToString(code)},
                                                 {"address", origin.address},
                                                 {"transport", origin.transport},
                                                 {"message", message}});
  // The room id is the client's word, maybe not a valid one: the journal
  // field gets it only as the line shows it.
  PLENUM_LOG_WARNING_IN(Bare(room) ? room : std::string(), "", "%s", line.c_str());
}

}  // namespace plenum::mcu
