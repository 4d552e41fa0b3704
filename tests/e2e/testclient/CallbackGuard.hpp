#pragma once

#include <memory>
#include <mutex>

namespace plenum::test {

// Lets C callbacks that can outlive their target (GstPromise change functions
// queued inside webrtcbin) reach it safely. Each callback carries a Token and
// calls Run(); the target calls Revoke() first thing in its destructor, which
// waits for a running callback and turns later ones into no-ops. Recursive, as
// a callback may trigger another one synchronously on the same thread.
template <typename Target>
class CallbackGuard {
 public:
  class Token {
   public:
    template <typename Fn>
    void Run(Fn&& fn) const {
      std::lock_guard lock(state_->mutex);
      if (state_->target) fn(*state_->target);
    }

   private:
    friend class CallbackGuard;
    explicit Token(std::shared_ptr<typename CallbackGuard::State> state) : state_(std::move(state)) {}
    std::shared_ptr<typename CallbackGuard::State> state_;
  };

  explicit CallbackGuard(Target& target) : state_(std::make_shared<State>()) { state_->target = &target; }
  ~CallbackGuard() { Revoke(); }

  CallbackGuard(const CallbackGuard&) = delete;
  CallbackGuard& operator=(const CallbackGuard&) = delete;

  Token MakeToken() const { return Token(state_); }

  void Revoke() {
    std::lock_guard lock(state_->mutex);
    state_->target = nullptr;
  }

 private:
  struct State {
    std::recursive_mutex mutex;
    Target* target = nullptr;
  };
  std::shared_ptr<State> state_;
};

}  // namespace plenum::test
