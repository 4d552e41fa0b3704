// A room on its own transport and audio engine (issue 10), as the control
// thread sees it: the room's RoomMedia lives on one worker of the server's
// media threads for the room's whole life, everything asked of this class
// is posted to that worker, and what RoomMedia reports is posted back to
// the control thread (and dropped there once this object is gone).
//
//   control thread                         media worker
//   RoomMediaHost ── Post / Invoke ──────► RoomMedia (transports, engine, tick, RoomVideo)
//        ▲                                     │
//        └──────── ControlPoster ◄── Relay ◄───┘  (RoomMedia::Listener, on the worker)
//
// An offer is checked here first (InspectOffer and the transport half of
// the SDP), so a bad one throws OfferError at once and changes nothing, as
// the room expects; what fails later, on the worker, comes back as
// OnNegotiationFailed. Taps, removals and the destructor wait for the
// worker (MediaWorker::Invoke), so that once they return no replaced tap
// is called again and nothing of the room runs any more: a recording can
// be destroyed right after it is detached. Traffic counters are atomics
// the worker adds to and the control thread reads.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "mixer/ControlContext.hpp"
#include "mixer/MediaMetrics.hpp"
#include "mixer/MediaOptions.hpp"
#include "mixer/RoomEngine.hpp"
#include "mixer/RoomMedia.hpp"
#include "transport/DtlsCertificate.hpp"
#include "transport/IceSettings.hpp"
#include "transport/MediaWorkerPool.hpp"

namespace plenum::mixer {

// What every room on the room's own transport shares, made once by the
// server: the media threads and the DTLS certificate the answers name.
class SharedMedia {
 public:
  // Throws std::invalid_argument when a STUN or TURN server in `options`
  // cannot be used (resolved here, once, so that no worker ever waits on
  // DNS), std::runtime_error when the certificate cannot be made.
  explicit SharedMedia(const MediaOptions& options);

  transport::MediaWorkerPool& Workers() { return workers_; }
  const std::shared_ptr<const transport::DtlsCertificate>& Certificate() const { return certificate_; }
  const transport::IceSettings& Ice() const { return ice_; }
  // Every room's media counts, for /metrics: read from any thread.
  MediaMetrics& Metrics() { return metrics_; }
  const MediaMetrics& Metrics() const { return metrics_; }

 private:
  transport::MediaWorkerPool workers_;
  MediaMetrics metrics_;  // one WorkerCounters per worker of workers_
  std::shared_ptr<const transport::DtlsCertificate> certificate_;
  transport::IceSettings ice_;
};

class RoomMediaHost final : public RoomEngine {
 public:
  // Throws std::runtime_error when the room's media cannot start.
  RoomMediaHost(const std::string& roomId, const MediaOptions& options, SharedMedia& shared, GMainContext* control,
                Listener& listener);
  ~RoomMediaHost() override;
  RoomMediaHost(const RoomMediaHost&) = delete;
  RoomMediaHost& operator=(const RoomMediaHost&) = delete;

  // RoomEngine
  void AddParticipant(const std::string& participant, const std::string& name) override;
  void RemoveParticipant(const std::string& participant) override;
  void ApplyOffer(const std::string& participant, const std::string& sdp) override;
  void AddRemoteCandidate(const std::string& participant, unsigned mlineIndex,
                          const std::string& candidate) override;
  void TapRoom(EncodedFrameTap audio, EncodedFrameTap video) override;
  void TapProgram(EncodedFrameTap audio, EncodedFrameTap video) override;
  void TapParticipant(const std::string& participant, EncodedFrameTap audio, EncodedFrameTap video) override;
  GstClockTime RunningTime() const override;
  void RequestParticipantKeyframe(const std::string& participant) override;
  std::optional<ParticipantCounts> Counts(const std::string& participant) const override;

 private:
  class Relay;
  // Runs `task` with the room's media on the worker, later; nothing once
  // the room is gone.
  void Post(std::function<void(RoomMedia&)> task);
  // The same, waiting for it.
  void Invoke(const std::function<void(RoomMedia&)>& task);

  // Passed by argument.
  SharedMedia& shared_;
  Listener& listener_;

  // Owned.
  const std::string roomId_;
  const MediaOptions options_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // what the relay posts checks it
  ControlPoster poster_;
  const size_t workerIndex_;
  transport::MediaWorker& worker_;
  const GstClockTime baseTime_;
  std::unique_ptr<Relay> relay_;
  // Set and cleared on the worker; tasks posted there hold it, so one that
  // runs after the room has gone finds it empty.
  std::shared_ptr<std::unique_ptr<RoomMedia>> media_;
  std::map<std::string, std::shared_ptr<RoomMedia::Traffic>> traffic_;
};

}  // namespace plenum::mixer
