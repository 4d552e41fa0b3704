#include "mcu/daemon/ServiceNotifier.hpp"

#include <pthread.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>

#include "mcu/Conference.hpp"
#include "mcu/Log.hpp"

namespace plenum::mcu {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// STATUS= is refreshed this often when there is no watchdog (or a slow one).
constexpr milliseconds kStatusInterval{5000};

void Notify(const std::string& state) {
  if (const int result = sd_notify(0, state.c_str()); result < 0)
    PLENUM_LOG_WARNING("cannot notify systemd [error:%d]", -result);
}

}  // namespace

ServiceNotifier::ServiceNotifier(Conference& conference)
    : conference_(conference), enabled_(std::getenv("NOTIFY_SOCKET") != nullptr) {}

ServiceNotifier::~ServiceNotifier() { StopThread(); }

std::string ServiceNotifier::Status() {
  try {
    const ServerStats stats = conference_.Stats();
    return "STATUS=" + std::to_string(stats.rooms) + " rooms, " + std::to_string(stats.participants) +
           " participants";
  } catch (const std::exception&) {
    return "STATUS=control thread not answering";
  }
}

void ServiceNotifier::Ready() {
  if (!enabled_) return;
  Notify("READY=1\n" + Status());
  uint64_t usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &usec) > 0 && usec > 0;
  thread_ = std::thread([this, period = microseconds(watchdog ? usec : 0)] { Run(period); });
}

void ServiceNotifier::Stopping() {
  if (!enabled_) return;
  StopThread();
  Notify("STOPPING=1\nSTATUS=shutting down");
}

void ServiceNotifier::StopThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stopSignal_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// The control thread counts as answering while the watchdog's heartbeat
// (posted to it every second or more often) has waited less than half the
// period: a stall then stops the pings within about half a period, and
// systemd acts a period later.
void ServiceNotifier::Run(microseconds watchdogPeriod) {
  pthread_setname_np(pthread_self(), "plenum-notify");
  const bool watchdog = watchdogPeriod.count() > 0;
  const milliseconds half = duration_cast<milliseconds>(watchdogPeriod / 2);
  const milliseconds interval = watchdog ? std::min(half, kStatusInterval) : kStatusInterval;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopSignal_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    if (!watchdog) {
      Notify(Status());
    } else if (conference_.ControlWaiting() < half) {
      Notify("WATCHDOG=1");
      Notify(Status());
    }
    lock.lock();
  }
}

}  // namespace plenum::mcu
