#include "mcu/JournalLog.hpp"

#include <gst/gst.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
// The CODE_* fields are the logging call's, not this file's.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mcu/Log.hpp"

namespace plenum::mcu {
namespace {

int SyslogPriority(GstDebugLevel level) {
  switch (level) {
    case GST_LEVEL_ERROR: return LOG_ERR;
    case GST_LEVEL_WARNING: return LOG_WARNING;
    case GST_LEVEL_FIXME: return LOG_NOTICE;
    case GST_LEVEL_INFO: return LOG_INFO;
    default: return LOG_DEBUG;
  }
}

std::string Field(std::string_view name, std::string_view value) {
  std::string field;
  field.reserve(name.size() + 1 + value.size());
  field.append(name).append(1, '=').append(value);
  return field;
}

// Runs on whichever thread logs; sd_journal_sendv is safe on any.
void SendToJournal(GstDebugCategory* category, GstDebugLevel level, const gchar* file, const gchar* function,
                   gint line, GObject* object, GstDebugMessage* message, gpointer) {
  const gchar* text = gst_debug_message_get(message);
  if (!text) return;
  std::array<std::string, 10> fields;
  std::size_t count = 0;
  fields[count++] = Field("MESSAGE", text);
  fields[count++] = Field("PRIORITY", std::to_string(SyslogPriority(level)));
  fields[count++] = Field("SYSLOG_IDENTIFIER", "plenum");
  fields[count++] = Field("PLENUM_CATEGORY", gst_debug_category_get_name(category));
  if (file) fields[count++] = Field("CODE_FILE", file);
  fields[count++] = Field("CODE_LINE", std::to_string(line));
  if (function) fields[count++] = Field("CODE_FUNC", function);
  if (const LogSubject* subject = CurrentLogSubject()) {
    if (!subject->room.empty()) fields[count++] = Field("PLENUM_ROOM", subject->room);
    if (!subject->participant.empty()) fields[count++] = Field("PLENUM_PARTICIPANT", subject->participant);
  }
  std::array<iovec, fields.size()> entry;
  for (std::size_t i = 0; i < count; ++i) entry[i] = iovec{fields[i].data(), fields[i].size()};
  // Lost is worse than misplaced: a journal that is gone (stopped, or
  // log-target=journal where there is none) leaves the line on stderr.
  if (sd_journal_sendv(entry.data(), static_cast<int>(count)) < 0)
    gst_debug_log_default(category, level, file, function, line, object, message, nullptr);
}

}  // namespace

bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  unsigned long long device = 0;
  unsigned long long inode = 0;
  char extra = 0;
  if (std::sscanf(stream, "%llu:%llu%c", &device, &inode, &extra) != 2) return false;
  struct stat stderrStat {};
  if (fstat(STDERR_FILENO, &stderrStat) != 0) return false;
  return stderrStat.st_dev == device && stderrStat.st_ino == inode;
}

void SendGstLogToJournal() {
  gst_debug_remove_log_function(gst_debug_log_default);
  gst_debug_add_log_function(SendToJournal, nullptr, nullptr);
}

}  // namespace plenum::mcu
