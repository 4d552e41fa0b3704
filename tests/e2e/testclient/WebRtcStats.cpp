#include "testclient/WebRtcStats.hpp"
#include "testclient/TimeoutScale.hpp"

#include <gst/webrtc/webrtc.h>

#include "testclient/GRefPtr.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <sstream>

namespace plenum::test {

namespace {

void AppendField(std::ostringstream& out, const GstStructure* stat, const char* field, const char* label) {
  const GValue* value = gst_structure_get_value(stat, field);
  if (!value) return;
  if (G_VALUE_HOLDS_UINT(value))
    out << " " << label << "=" << g_value_get_uint(value);
  else if (G_VALUE_HOLDS_UINT64(value))
    out << " " << label << "=" << g_value_get_uint64(value);
  else if (G_VALUE_HOLDS_INT(value))
    out << " " << label << "=" << g_value_get_int(value);
  else if (G_VALUE_HOLDS_INT64(value))
    out << " " << label << "=" << g_value_get_int64(value);
  else if (G_VALUE_HOLDS_STRING(value))
    out << " " << label << "=" << g_value_get_string(value);
}

}  // namespace

std::string SummarizeRtpStats(const GstStructure* stats) {
  std::ostringstream out;
  const int fields = gst_structure_n_fields(stats);
  for (int i = 0; i < fields; ++i) {
    const GValue* value = gst_structure_get_value(stats, gst_structure_nth_field_name(stats, i));
    if (!value || !GST_VALUE_HOLDS_STRUCTURE(value)) continue;
    const GstStructure* stat = gst_value_get_structure(value);
    GstWebRTCStatsType type;
    if (!gst_structure_get(stat, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, nullptr)) continue;
    if (type != GST_WEBRTC_STATS_INBOUND_RTP && type != GST_WEBRTC_STATS_OUTBOUND_RTP) continue;
    out << (type == GST_WEBRTC_STATS_INBOUND_RTP ? "inbound-rtp" : "outbound-rtp");
    AppendField(out, stat, "ssrc", "ssrc");
    // webrtcbin 1.22 fills "kind" and "codec-id" unreliably; the RTP
    // source's clock rate tells audio (48000) from video (90000).
    const GValue* source = gst_structure_get_value(stat, "gst-rtpsource-stats");
    if (source && GST_VALUE_HOLDS_STRUCTURE(source))
      AppendField(out, gst_value_get_structure(source), "clock-rate", "clock");
    AppendField(out, stat, type == GST_WEBRTC_STATS_INBOUND_RTP ? "packets-received" : "packets-sent", "packets");
    AppendField(out, stat, type == GST_WEBRTC_STATS_INBOUND_RTP ? "bytes-received" : "bytes-sent", "bytes");
    out << "; ";
  }
  return out.str();
}

std::string QueryRtpStats(GstElement* webrtcbin, std::chrono::milliseconds timeout) {
  // The reply comes on webrtcbin's thread. A change function and a condition
  // variable keep the wait bounded, which gst_promise_wait would not; the
  // shared state outlives a reply that comes after we gave up.
  struct Reply {
    std::mutex mutex;
    std::condition_variable done;
    std::string summary;
    bool replied = false;
  };
  auto reply = std::make_shared<Reply>();
  auto promise = AdoptGRef(gst_promise_new_with_change_func(
      [](GstPromise* p, gpointer data) {
        Reply& r = **static_cast<std::shared_ptr<Reply>*>(data);
        const GstStructure* stats =
            gst_promise_wait(p) == GST_PROMISE_RESULT_REPLIED ? gst_promise_get_reply(p) : nullptr;
        std::lock_guard lock(r.mutex);
        r.summary = stats ? SummarizeRtpStats(stats) : "no stats";
        r.replied = true;
        r.done.notify_all();
      },
      new std::shared_ptr<Reply>(reply), [](gpointer data) { delete static_cast<std::shared_ptr<Reply>*>(data); }));
  g_signal_emit_by_name(webrtcbin, "get-stats", nullptr, promise.get());
  std::unique_lock lock(reply->mutex);
  if (!reply->done.wait_for(lock, Scaled(timeout), [&] { return reply->replied; })) return "no reply";
  return reply->summary;
}

}  // namespace plenum::test
