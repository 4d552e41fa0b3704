// Notices when the control thread stops answering.
//
// Every room change, join and REST call runs on the control thread; if a
// bug or a stuck element ever blocks it, the server still accepts sockets
// and would look alive to a naive health check while serving nothing. The
// watchdog posts a heartbeat to the control thread every interval; when
// one has waited longer than the limit it logs every thread's state once
// and reports the stall, so that /healthz fails and systemd or a load
// balancer can act. It logs again when the thread answers again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace plenum::mcu {

class ControlThread;

class ControlWatchdog {
 public:
  using Clock = std::chrono::steady_clock;

  ControlWatchdog(ControlThread& control, std::chrono::milliseconds stallLimit);
  ~ControlWatchdog();
  ControlWatchdog(const ControlWatchdog&) = delete;
  ControlWatchdog& operator=(const ControlWatchdog&) = delete;

  // How long the pending heartbeat has waited, once that is over the
  // limit; zero while the control thread answers. Any thread.
  std::chrono::milliseconds Stalled() const;
  // How long the pending heartbeat has waited so far, however short; zero
  // when none is pending (systemd's watchdog asks more often than the
  // limit). Any thread.
  std::chrono::milliseconds Waiting() const;

 private:
  // Shared with the heartbeats in flight, which may outlive the watchdog.
  struct Beat {
    std::mutex mutex;
    bool pending = false;
    Clock::time_point postedAt;
  };

  void Run();

  ControlThread& control_;
  const std::chrono::milliseconds stallLimit_;
  std::shared_ptr<Beat> beat_ = std::make_shared<Beat>();
  std::mutex stopMutex_;
  std::condition_variable stopSignal_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace plenum::mcu
