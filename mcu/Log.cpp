#include "mcu/Log.hpp"

#include <gst/gst.h>

#include <cstdarg>
#include <cstdlib>
#include <stdexcept>

#include "mcu/JournalLog.hpp"

GST_DEBUG_CATEGORY_STATIC(plenum_mcu_debug);

namespace plenum::mcu {
namespace {

// Set by Logf around the call into GStreamer, which runs the log functions
// on the calling thread.
thread_local const LogSubject* currentSubject = nullptr;

GstDebugLevel ToGstLevel(LogLevel level) {
  switch (level) {
    case LogLevel::Error: return GST_LEVEL_ERROR;
    case LogLevel::Warning: return GST_LEVEL_WARNING;
    case LogLevel::Info: return GST_LEVEL_INFO;
    case LogLevel::Debug: return GST_LEVEL_DEBUG;
  }
  return GST_LEVEL_DEBUG;
}

}  // namespace

LogLevel ParseLogLevel(const std::string& text) {
  if (text == "error") return LogLevel::Error;
  if (text == "warning") return LogLevel::Warning;
  if (text == "info") return LogLevel::Info;
  if (text == "debug") return LogLevel::Debug;
  throw std::invalid_argument("log-level must be error, warning, info or debug, not '" + text + "'");
}

LogTarget ParseLogTarget(const std::string& text) {
  if (text == "auto") return LogTarget::Auto;
  if (text == "console") return LogTarget::Console;
  if (text == "journal") return LogTarget::Journal;
  throw std::invalid_argument("log-target must be auto, console or journal, not '" + text + "'");
}

void InitLog() {
  GST_DEBUG_CATEGORY_INIT(plenum_mcu_debug, "plenum-mcu", 0, "Plenum control plane and signaling");
  if (!std::getenv("GST_DEBUG")) gst_debug_set_threshold_for_name("plenum-*", GST_LEVEL_INFO);
}

bool ConfigureLog(const LogSettings& settings) {
  const bool journal = settings.target == LogTarget::Journal ||
                       (settings.target == LogTarget::Auto && StderrIsJournal());
  if (!std::getenv("GST_DEBUG")) {
    gst_debug_set_threshold_for_name("plenum-*", ToGstLevel(settings.level));
    // GStreamer's own errors and warnings are worth an administrator's
    // look once they land in the journal; on the console GStreamer stays
    // as quiet as it has always been here.
    if (journal) gst_debug_set_default_threshold(GST_LEVEL_WARNING);
  }
  if (journal) SendGstLogToJournal();
  return journal;
}

void Logf(LogLevel level, const LogSubject& subject, const char* file, const char* function, int line,
          const char* format, ...) {
  const GstDebugLevel gstLevel = ToGstLevel(level);
  if (!plenum_mcu_debug || gstLevel > gst_debug_category_get_threshold(plenum_mcu_debug)) return;
  const bool hasSubject = !subject.room.empty() || !subject.participant.empty();
  currentSubject = hasSubject ? &subject : nullptr;
  va_list args;
  va_start(args, format);
  gst_debug_log_valist(plenum_mcu_debug, gstLevel, file, function, line, nullptr, format, args);
  va_end(args);
  currentSubject = nullptr;
}

const LogSubject* CurrentLogSubject() { return currentSubject; }

}  // namespace plenum::mcu
