#include "mixer/RtpCounter.hpp"

namespace plenum::mixer {

// Shared with the probe, which may still be running when the counter goes.
struct RtpCounter::Shared {
  std::atomic<std::uint64_t> packets{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<bool> armed{false};
  std::atomic<bool> fired{false};
  FirstPacket onFirst;  // set before the probe is added, never changed
};

GstPadProbeReturn RtpCounter::OnData(GstPad*, GstPadProbeInfo* info, gpointer data) {
  Shared& shared = **static_cast<std::shared_ptr<Shared>*>(data);
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
    shared.packets.fetch_add(1, std::memory_order_relaxed);
    shared.bytes.fetch_add(gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info)), std::memory_order_relaxed);
  } else if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    shared.packets.fetch_add(gst_buffer_list_length(list), std::memory_order_relaxed);
    shared.bytes.fetch_add(gst_buffer_list_calculate_size(list), std::memory_order_relaxed);
  }
  if (shared.armed.load(std::memory_order_relaxed) && !shared.fired.load(std::memory_order_relaxed) &&
      !shared.fired.exchange(true) && shared.onFirst) {
    shared.onFirst();
  }
  return GST_PAD_PROBE_OK;
}

RtpCounter::RtpCounter(GstPad* pad, FirstPacket onFirst, bool armed)
    : pad_(GRef<GstPad>::Ref(pad)), shared_(std::make_shared<Shared>()) {
  shared_->onFirst = std::move(onFirst);
  shared_->armed = armed;
  probe_ = gst_pad_add_probe(
      pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST), OnData,
      new std::shared_ptr<Shared>(shared_), [](gpointer data) { delete static_cast<std::shared_ptr<Shared>*>(data); });
}

RtpCounter::~RtpCounter() { gst_pad_remove_probe(pad_.get(), probe_); }

void RtpCounter::Arm() { shared_->armed = true; }

RtpCounter::Totals RtpCounter::Read() const {
  return Totals{shared_->packets.load(std::memory_order_relaxed), shared_->bytes.load(std::memory_order_relaxed)};
}

}  // namespace plenum::mixer
