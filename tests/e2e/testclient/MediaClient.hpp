#pragma once

#include "testclient/CallbackGuard.hpp"
#include "testclient/GRefPtr.hpp"
#include "testclient/MediaClientOptions.hpp"
#include "testclient/ReceivedMedia.hpp"
#include "testclient/SignalHandler.hpp"

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace plenum::test {

// One WebRTC peer: a pipeline with one webrtcbin (max-bundle) that sends a
// test tone and a solid-colour picture and decodes whatever it receives into
// ReceivedMedia. It knows nothing of the transport: the local half of the
// negotiation goes out through Listener, the remote half comes in through
// SetRemoteDescription / AddRemoteCandidate. The pipeline runs from
// construction to destruction.
class MediaClient {
 public:
  enum class SdpType { kOffer, kAnswer };

  // Receives the local half of the negotiation, to be carried to the peer.
  // Called on webrtcbin's threads, never after the client's destructor has
  // started; may call SetRemoteDescription / AddRemoteCandidate (they queue).
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnLocalDescription(SdpType type, const std::string& sdp) = 0;
    // `candidate` is "" once gathering is complete (end of candidates).
    virtual void OnLocalCandidate(unsigned mlineIndex, const std::string& mid, const std::string& candidate) = 0;
  };

  struct Status {
    GstWebRTCPeerConnectionState connection = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
    GstWebRTCICEConnectionState ice = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
    GstWebRTCICEGatheringState gathering = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
    bool localDescriptionSent = false;
    bool remoteDescriptionSet = false;
    unsigned localCandidates = 0;
    unsigned remoteCandidates = 0;
    std::vector<std::string> receiving;  // encoding names of the streams decoded so far
    std::string error;                   // first failure: a rejected description, a pipeline error
  };

  // Builds the pipeline and sets it to PLAYING. Throws std::runtime_error.
  MediaClient(MediaClientOptions options, Listener& listener);
  ~MediaClient();

  MediaClient(const MediaClient&) = delete;
  MediaClient& operator=(const MediaClient&) = delete;

  const MediaClientOptions& Options() const { return options_; }

  // Negotiation. Asynchronous: results go to the listener, failures to
  // Status::error (and make the waits below return false).
  void CreateOffer();
  // An offer is answered; an answer completes our offer.
  void SetRemoteDescription(SdpType type, const std::string& sdp);
  void AddRemoteCandidate(unsigned mlineIndex, const std::string& candidate);

  // True once the local offer or answer has been handed to the listener.
  bool WaitLocalDescription(std::chrono::milliseconds timeout) const;
  // True once the peer connection is connected (ICE and DTLS done).
  bool WaitConnected(std::chrono::milliseconds timeout) const;
  // Waits until `done` holds for the status; its last value.
  bool WaitStatus(const std::function<bool(const Status&)>& done, std::chrono::milliseconds timeout) const;

  Status GetStatus() const;
  // SDP text of the last remote description received and of the last local
  // one created ("" before).
  std::string RemoteSdp() const;
  std::string LocalSdp() const;
  // One line for assertion messages; with `withStats`, also webrtcbin's
  // per-stream RTP counters (waits up to a second for them).
  std::string Describe(bool withStats = false) const;

  const ReceivedMedia& Received() const { return received_; }

 private:
  void OnPadAdded(GstPad* pad);
  void Teardown();
  // MediaClientOptions' transports, ICE servers and relay policy, before
  // the first description (gathering starts there).
  void ApplyIceOptions();
  void BuildSendBranches();
  void AddReceiveOnlyTransceiver(bool audio);
  void EnableNack();
  void AddAudioLevelExtension(GstElement* audioBin);
  void OnDescriptionCreated(GstPromise* promise, SdpType type);
  void OnRemoteDescriptionSet(GstPromise* promise, SdpType type);
  void OnLocalDescriptionSet(GstPromise* promise, SdpType type);
  void OnLocalCandidate(unsigned mlineIndex, const char* candidate);
  void OnStateNotify();
  void OnBusMessage(GstMessage* message);
  void Fail(const std::string& what);
  GstPromise* NewPromise(void (*handler)(MediaClient&, GstPromise*));

  static void PadAddedThunk(GstElement*, GstPad* pad, gpointer self);
  static void IceCandidateThunk(GstElement*, guint mlineIndex, gchar* candidate, gpointer self);
  static void StateNotifyThunk(GObject*, GParamSpec*, gpointer self);
  static GstBusSyncReply BusSyncThunk(GstBus*, GstMessage* message, gpointer self);

  // Passed by argument.
  Listener& listener_;

  // Owned.
  const MediaClientOptions options_;
  ReceivedMedia received_;
  GRefPtr<GstElement> pipeline_;
  GRefPtr<GstElement> webrtc_;
  std::vector<std::unique_ptr<SignalHandler>> signals_;
  CallbackGuard<MediaClient> promiseGuard_{*this};

  // Others.
  std::atomic<bool> closing_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Status status_;
  bool audioLevelNegotiated_ = false;  // the audio sink pad's caps name the level extension
  std::string localSdp_;
  std::string remoteSdp_;
  std::vector<std::string> localMids_;
  bool endOfCandidatesSent_ = false;
};

const char* ToString(MediaClient::SdpType type);

}  // namespace plenum::test
