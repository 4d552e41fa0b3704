// A room on our own transport and engine (mixer/RoomMedia on one
// MediaWorker) with webrtcbin test clients joined to it in-process, over
// loopback and with no server: the element-tier room-media test and the
// benchmark's plenum-room-cost both drive one.
#pragma once

#include "mixer/MixerInit.hpp"
#include "mixer/RoomMedia.hpp"
#include "testclient/MediaClient.hpp"
#include "testclient/TimeoutScale.hpp"
#include "transport/DtlsCertificate.hpp"
#include "transport/MediaWorker.hpp"

#include <time.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace plenum::test {

using transport::WebRtcTransport;

// The room and its worker; clients reach it through Wires.
class RoomMediaConference : public mixer::RoomMedia::Listener {
 public:
  // On loopback only, UDP only; the composite at `width` x `height`.
  static mixer::RoomMedia::Options LoopbackOptions(int width, int height) {
    mixer::RoomMedia::Options options;
    options.ice.localAddresses = {"127.0.0.1"};
    options.ice.tcp = false;
    options.media.videoWidth = width;
    options.media.videoHeight = height;
    options.name = "test";
    return options;
  }

  explicit RoomMediaConference(mixer::RoomMedia::Options options)
      : certificate_(transport::DtlsCertificate::Generate()) {
    mixer::InitMixer();  // the mixer's debug category
    worker_.Invoke([this, &options] { room_ = std::make_unique<mixer::RoomMedia>(*this, worker_, certificate_, options); });
  }
  ~RoomMediaConference() override {
    {
      std::lock_guard lock(mutex_);
      clients_.clear();
    }
    worker_.Invoke([this] { room_.reset(); });
  }

  // A client's half of the negotiation, carried to the room.
  class Wire : public MediaClient::Listener {
   public:
    Wire(RoomMediaConference& conference, std::string id) : conference_(conference), id_(std::move(id)) {}
    void OnLocalDescription(MediaClient::SdpType, const std::string& sdp) override {
      conference_.worker_.Post([this, sdp] {
        try {
          conference_.room_->ApplyOffer(id_, sdp);
        } catch (const std::exception& error) {
          conference_.Note(id_ + ": offer refused: " + error.what());
        }
      });
    }
    void OnLocalCandidate(unsigned, const std::string&, const std::string& candidate) override {
      conference_.worker_.Post([this, candidate] {
        if (!conference_.room_) return;
        if (candidate.empty())
          conference_.room_->EndOfRemoteCandidates(id_);
        else
          conference_.room_->AddRemoteCandidate(id_, candidate);
      });
    }

   private:
    RoomMediaConference& conference_;
    const std::string id_;
  };

  // With `colour`, the client sends a camera of that solid colour.
  MediaClient& Join(const std::string& id, double toneHz, std::optional<uint32_t> colour = std::nullopt) {
    MediaClientOptions options;
    options.toneHz = toneHz;
    options.sendVideo = colour.has_value();
    if (colour) options.colourArgb = *colour;
    return JoinWith(id, options);
  }

  MediaClient& JoinWith(const std::string& id, MediaClientOptions options) {
    options.name = id;
    auto wire = std::make_unique<Wire>(*this, id);
    auto client = std::make_unique<MediaClient>(options, *wire);
    MediaClient& joined = *client;
    {
      std::lock_guard lock(mutex_);
      wires_.push_back(std::move(wire));
      clients_[id] = std::move(client);
    }
    joined.CreateOffer();
    // The offer is on its way to the worker before the next client makes
    // one: the room sees joins in this order (the composite's layout).
    joined.WaitLocalDescription(Scaled(std::chrono::seconds(10)));
    return joined;
  }

  void Leave(const std::string& id) {
    worker_.Invoke([&] { room_->RemoveParticipant(id); });
    std::lock_guard lock(mutex_);
    clients_.erase(id);
  }

  // RoomMedia::Listener, on the worker.
  void OnAnswer(const std::string& participant, const std::string& sdp) override {
    std::lock_guard lock(mutex_);
    if (auto client = clients_.find(participant); client != clients_.end())
      client->second->SetRemoteDescription(MediaClient::SdpType::kAnswer, sdp);
  }
  void OnLocalCandidate(const std::string& participant, unsigned mlineIndex, const std::string&,
                        const std::string& candidate) override {
    std::lock_guard lock(mutex_);
    if (auto client = clients_.find(participant); client != clients_.end())
      client->second->AddRemoteCandidate(mlineIndex, candidate);
  }
  void OnSpeakerChanged(const std::string& participant) override {
    Note("speaker " + (participant.empty() ? std::string("(nobody)") : participant));
  }
  void OnTransportState(const std::string& participant, WebRtcTransport::State state,
                        const std::string& reason) override {
    Note(participant + " " + WebRtcTransport::ToString(state) + (reason.empty() ? "" : " (" + reason + ")"));
  }

  std::string Notes() {
    std::lock_guard lock(mutex_);
    return notes_;
  }
  mixer::AudioEngine::Counters AudioCounters() {
    mixer::AudioEngine::Counters counters;
    worker_.Invoke([&] { counters = room_->Audio().GetCounters(); });
    return counters;
  }
  transport::PeriodicTimer::Stats TickStats() {
    transport::PeriodicTimer::Stats stats;
    worker_.Invoke([&] { stats = room_->Tick().GetStats(); });
    return stats;
  }
  // The room's video counters, and its pipeline's, on one line.
  std::string VideoReport() {
    std::string report;
    worker_.Invoke([&] {
      const auto& room = room_->GetVideoCounters();
      report = "room video: " + std::to_string(room.packetsSent) + " packets sent, " +
               std::to_string(room.retransmitted) + " retransmitted (" + std::to_string(room.nackedMissing) +
               " NACKed and gone), " + std::to_string(room.keyframeRequests) + " receiver keyframe requests, " +
               std::to_string(room.plisSent) + " PLIs to cameras";
      if (const mixer::RoomVideo* video = room_->Video()) {
        const auto& counters = video->GetCounters();
        report += "; pipeline: " + std::to_string(counters.cameraPackets) + " camera packets in, " +
                  std::to_string(counters.compositePackets) + " composite packets out, " +
                  std::to_string(counters.cameraKeyframeRequests) + " camera keyframe requests; tiles:";
        for (const auto& [id, tile] : video->Tiles())
          report += " " + id + "@" + std::to_string(tile.x) + "," + std::to_string(tile.y) + "+" +
                    std::to_string(tile.width) + "x" + std::to_string(tile.height);
      }
    });
    return report;
  }
  // CPU time the room's worker thread has used so far (its transports,
  // the audio engine, the fan-out; not RoomVideo's GStreamer threads).
  double WorkerCpuSeconds() {
    timespec now{};
    worker_.Invoke([&] { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now); });
    return double(now.tv_sec) + double(now.tv_nsec) * 1e-9;
  }
  std::vector<std::string> Cameras() {
    std::vector<std::string> ids;
    worker_.Invoke([&] {
      if (const mixer::RoomVideo* video = room_->Video())
        for (const auto& [id, tile] : video->Tiles()) ids.push_back(id);
    });
    return ids;
  }

 private:
  void Note(const std::string& line) {
    std::lock_guard lock(mutex_);
    notes_ += line + "\n";
  }

  transport::MediaWorker worker_{"test-media"};
  std::shared_ptr<const transport::DtlsCertificate> certificate_;
  std::unique_ptr<mixer::RoomMedia> room_;  // made, used and destroyed on the worker
  std::mutex mutex_;  // held while calling a client, so a client is not destroyed mid-call
  std::vector<std::unique_ptr<Wire>> wires_;
  std::map<std::string, std::unique_ptr<MediaClient>> clients_;
  std::string notes_;
};

}  // namespace plenum::test
