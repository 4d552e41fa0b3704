#include "signaling/SocketChannel.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <system_error>

#include "signaling/ProtocolCodec.hpp"

namespace plenum::signaling {

SocketChannel::SocketChannel() : wakeFd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (wakeFd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

SocketChannel::~SocketChannel() { close(wakeFd_); }

SocketChannel::Pending SocketChannel::Take() {
  uint64_t count = 0;
  [[maybe_unused]] auto drained = read(wakeFd_, &count, sizeof count);
  std::lock_guard lock(mutex_);
  Pending taken;
  std::swap(taken.messages, pending_.messages);
  taken.close = pending_.close;
  return taken;
}

void SocketChannel::Wake() {
  const uint64_t one = 1;
  [[maybe_unused]] auto written = write(wakeFd_, &one, sizeof one);
}

void SocketChannel::Enqueue(std::string message) {
  {
    std::lock_guard lock(mutex_);
    if (pending_.close) return;  // nothing goes out after the close
    pending_.messages.push_back(std::move(message));
  }
  Wake();
}

void SocketChannel::SendJoined(const mcu::JoinedEvent& event) { Enqueue(EncodeJoined(event)); }
void SocketChannel::SendAnswer(const std::string& sdp) { Enqueue(EncodeAnswer(sdp)); }
void SocketChannel::SendCandidate(const mcu::IceCandidate& candidate) { Enqueue(EncodeCandidate(candidate)); }
void SocketChannel::SendParticipantJoined(const mcu::ParticipantInfo& participant) {
  Enqueue(EncodeParticipantJoined(participant));
}
void SocketChannel::SendParticipantLeft(const std::string& participant) { Enqueue(EncodeParticipantLeft(participant)); }
void SocketChannel::SendParticipantMuted(const mcu::ParticipantInfo& participant) {
  Enqueue(EncodeParticipantMuted(participant));
}
void SocketChannel::SendSpeaker(const std::string& participant) { Enqueue(EncodeSpeaker(participant)); }
void SocketChannel::SendRecording(bool active) { Enqueue(EncodeRecording(active)); }

void SocketChannel::SendRoomLive(const mcu::RoomLive& live) { Enqueue(EncodeRoomLive(live)); }
void SocketChannel::SendConnection(const mcu::ParticipantReport& report) { Enqueue(EncodeConnection(report)); }
void SocketChannel::SendError(mcu::ErrorCode code, const std::string& message) { Enqueue(EncodeError(code, message)); }

void SocketChannel::Close() {
  {
    std::lock_guard lock(mutex_);
    pending_.close = true;
  }
  Wake();
}

}  // namespace plenum::signaling
