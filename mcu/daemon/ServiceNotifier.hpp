// Tells systemd how the server is, for a Type=notify unit: READY=1 once it
// listens, STOPPING=1 when it begins to stop, STATUS= with its rooms and
// participants, and, under WatchdogSec=, WATCHDOG=1 at half that period
// while the control thread answers, so that systemd restarts a server
// whose control thread is stuck (the process would still accept sockets).
// Outside systemd (no NOTIFY_SOCKET) every call does nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace plenum::mcu {

class Conference;

class ServiceNotifier {
 public:
  explicit ServiceNotifier(Conference& conference);
  // Stops the notifications' thread.
  ~ServiceNotifier();
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // The server listens: READY=1 and STATUS=, then WATCHDOG=1 and STATUS=
  // every period while the control thread answers.
  void Ready();
  // STOPPING=1; no more WATCHDOG=1 or STATUS= after it.
  void Stopping();

 private:
  void Run(std::chrono::microseconds watchdogPeriod);
  void StopThread();
  std::string Status();

  // Passed by argument.
  Conference& conference_;

  // Owned.
  const bool enabled_;  // NOTIFY_SOCKET is set
  std::mutex mutex_;
  std::condition_variable stopSignal_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace plenum::mcu
