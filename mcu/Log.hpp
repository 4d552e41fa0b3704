// Control-plane and signaling logging. Lines go through GStreamer's debug
// log under the `plenum-mcu` category, so GST_DEBUG=plenum-*:5 interleaves
// them with the media path; unless GST_DEBUG says otherwise, plenum-* logs
// at `log-level` (INFO by default). On the console they are GStreamer's
// lines on stderr; to journald (ConfigureLog) each is an entry of its own
// with structured fields, among them the room and participant a line names
// through a LogSubject. This header keeps GStreamer out of the files that
// include it.
#pragma once

#include <string>
#include <string_view>

namespace plenum::mcu {

enum class LogLevel { Error, Warning, Info, Debug };

// Where lines go: the journal when systemd connected stderr to it (auto),
// or as told.
enum class LogTarget { Auto, Console, Journal };

struct LogSettings {
  LogLevel level = LogLevel::Info;
  LogTarget target = LogTarget::Auto;
};

// "error", "warning", "info", "debug"; throw std::invalid_argument otherwise.
LogLevel ParseLogLevel(const std::string& text);
// "auto", "console", "journal"; throw std::invalid_argument otherwise.
LogTarget ParseLogTarget(const std::string& text);

// Who a line is about, for the journal's PLENUM_ROOM and PLENUM_PARTICIPANT
// fields: ids, either may be empty. Only borrowed for the call.
struct LogSubject {
  std::string_view room;
  std::string_view participant;
};

// Call once, after gst_init: the category, at INFO unless GST_DEBUG says.
void InitLog();
// Applies the options: plenum-*'s threshold (unless GST_DEBUG is set) and,
// when the target is (or auto finds) the journal, every GStreamer debug
// line, ours and GStreamer's own, goes to journald instead of stderr.
// Returns whether the journal is used. Call before other threads log.
bool ConfigureLog(const LogSettings& settings);

[[gnu::format(printf, 6, 7)]] void Logf(LogLevel level, const LogSubject& subject, const char* file,
                                        const char* function, int line, const char* format, ...);

// The subject of the line being logged on this thread, while a log
// function runs (for the journal's sink); null when the line has none.
const LogSubject* CurrentLogSubject();

}  // namespace plenum::mcu

#define PLENUM_LOG_AT_(level, subject, ...) \
  ::plenum::mcu::Logf(::plenum::mcu::LogLevel::level, subject, __FILE__, __func__, __LINE__, __VA_ARGS__)

#define PLENUM_LOG_ERROR(...) PLENUM_LOG_AT_(Error, ::plenum::mcu::LogSubject{}, __VA_ARGS__)
#define PLENUM_LOG_WARNING(...) PLENUM_LOG_AT_(Warning, ::plenum::mcu::LogSubject{}, __VA_ARGS__)
#define PLENUM_LOG_INFO(...) PLENUM_LOG_AT_(Info, ::plenum::mcu::LogSubject{}, __VA_ARGS__)
#define PLENUM_LOG_DEBUG(...) PLENUM_LOG_AT_(Debug, ::plenum::mcu::LogSubject{}, __VA_ARGS__)

// The same about one room and participant (ids; either may be empty), so
// that the journal can tell whom a line is about without reading it.
#define PLENUM_LOG_ERROR_IN(room, participant, ...) \
  PLENUM_LOG_AT_(Error, (::plenum::mcu::LogSubject{(room), (participant)}), __VA_ARGS__)
#define PLENUM_LOG_WARNING_IN(room, participant, ...) \
  PLENUM_LOG_AT_(Warning, (::plenum::mcu::LogSubject{(room), (participant)}), __VA_ARGS__)
#define PLENUM_LOG_INFO_IN(room, participant, ...) \
  PLENUM_LOG_AT_(Info, (::plenum::mcu::LogSubject{(room), (participant)}), __VA_ARGS__)
#define PLENUM_LOG_DEBUG_IN(room, participant, ...) \
  PLENUM_LOG_AT_(Debug, (::plenum::mcu::LogSubject{(room), (participant)}), __VA_ARGS__)
