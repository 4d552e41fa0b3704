#include "testclient/ChildProcess.hpp"
#include "testclient/TimeoutScale.hpp"

#include <fcntl.h>
#include <poll.h>
// glibc 2.36's <sys/pidfd.h> lacks __BEGIN_DECLS: without this its functions
// get C++ linkage and do not link.
extern "C" {
#include <sys/pidfd.h>
}
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>

namespace plenum::test {

namespace {

// Enough for any assertion message; a chatty server must not grow the test's
// memory without bound over a long leak test.
constexpr std::size_t kLogLimit = 1 << 20;
constexpr std::size_t kLineLimit = 4096;

[[noreturn]] void ThrowErrno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

ChildProcess::ChildProcess(const std::string& path, const std::vector<std::string>& args,
                           const std::vector<std::string>& extraEnvironment) {
  // Everything the child needs is prepared before fork: after it, in a
  // multithreaded parent, only async-signal-safe calls are allowed.
  std::vector<std::string> argvStrings{path};
  argvStrings.insert(argvStrings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argvStrings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  std::vector<std::string> environment;
  for (char** entry = environ; *entry; ++entry) {
    const std::string_view variable(*entry);
    const auto overridden = [&](const std::string& extra) {
      const std::size_t equals = extra.find('=');
      return variable.substr(0, variable.find('=')) == std::string_view(extra).substr(0, equals);
    };
    if (std::none_of(extraEnvironment.begin(), extraEnvironment.end(), overridden)) environment.emplace_back(variable);
  }
  environment.insert(environment.end(), extraEnvironment.begin(), extraEnvironment.end());
  std::vector<char*> envp;
  for (std::string& variable : environment) envp.push_back(variable.data());
  envp.push_back(nullptr);
  static const char kExecFailed[] = "ChildProcess: cannot execute the program\n";

  int outPipe[2];
  int errPipe[2];
  if (::pipe2(outPipe, O_CLOEXEC) != 0) ThrowErrno("pipe2");
  if (::pipe2(errPipe, O_CLOEXEC) != 0) {
    ::close(outPipe[0]);
    ::close(outPipe[1]);
    ThrowErrno("pipe2");
  }
  int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ == 0) {
    // dup2 clears close-on-exec on the targets, so only 0, 1, 2 survive exec.
    if (devNull >= 0) ::dup2(devNull, STDIN_FILENO);
    ::dup2(outPipe[1], STDOUT_FILENO);
    ::dup2(errPipe[1], STDERR_FILENO);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)  // the parent died before prctl took effect
      ::_exit(127);
    ::execve(argv[0], argv.data(), envp.data());
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    ::_exit(127);
  }

  const int forkErrno = errno;
  ::close(outPipe[1]);
  ::close(errPipe[1]);
  if (devNull >= 0) ::close(devNull);
  if (pid_ < 0) {
    ::close(outPipe[0]);
    ::close(errPipe[0]);
    errno = forkErrno;
    ThrowErrno("fork");
  }
  stdout_ = outPipe[0];
  stderr_ = errPipe[0];
  ::fcntl(stdout_, F_SETFL, O_NONBLOCK);
  ::fcntl(stderr_, F_SETFL, O_NONBLOCK);

  pidfd_ = ::pidfd_open(pid_, 0);
  if (pidfd_ < 0) {
    const int openErrno = errno;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    CloseFd(stdout_);
    CloseFd(stderr_);
    errno = openErrno;
    ThrowErrno("pidfd_open");
  }
  drainer_ = std::thread(&ChildProcess::Drain, this);
}

ChildProcess::~ChildProcess() {
  Terminate();
  CloseFd(pidfd_);
}

void ChildProcess::Drain() {
  char chunk[8192];
  bool exited = false;
  // Until the child is reaped, whatever happens to the pipes: a process
  // closes its descriptors (EOF here) before it becomes a zombie.
  while (!exited || stdout_ >= 0 || stderr_ >= 0) {
    pollfd fds[3] = {{stdout_, POLLIN, 0}, {stderr_, POLLIN, 0}, {exited ? -1 : pidfd_, POLLIN, 0}};
    // Once the child has exited, only what is already in the pipes is
    // read: a grandchild holding them open must not keep us here.
    if (::poll(fds, 3, exited ? 0 : -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    bool readSomething = false;
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? stdout_ : stderr_;
      if (fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n > 0) {
        Append(i == 0, chunk, static_cast<std::size_t>(n));
        readSomething = true;
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        CloseFd(fd);
      }
    }
    if (!exited && (fds[2].revents & POLLIN)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited = true;
        {
          std::lock_guard lock(mutex_);
          waitStatus_ = status;
        }
        changed_.notify_all();
      }
    }
    if (exited && !readSomething) break;
  }
  CloseFd(stdout_);
  CloseFd(stderr_);
  {
    std::lock_guard lock(mutex_);
    if (!partialLine_.empty()) {
      lines_.push_back(partialLine_);
      partialLine_.clear();
    }
    drained_ = true;
  }
  changed_.notify_all();
}

void ChildProcess::Append(bool fromStdout, const char* data, std::size_t length) {
  {
    std::lock_guard lock(mutex_);
    log_.append(data, length);
    if (log_.size() > kLogLimit) log_.erase(0, log_.size() - kLogLimit / 2);
    if (fromStdout) {
      for (std::size_t i = 0; i < length; ++i) {
        if (data[i] == '\n') {
          lines_.push_back(std::move(partialLine_));
          partialLine_.clear();
          if (lines_.size() > kLineLimit) lines_.pop_front();
        } else {
          partialLine_ += data[i];
        }
      }
    }
  }
  changed_.notify_all();
}

bool ChildProcess::Running() const {
  std::lock_guard lock(mutex_);
  return !waitStatus_;
}

std::optional<std::string> ChildProcess::WaitForLine(const std::function<bool(const std::string&)>& match,
                                                     std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + Scaled(timeout);
  std::unique_lock lock(mutex_);
  std::size_t checked = 0;
  for (;;) {
    // lines_ only drops old lines once it holds thousands; rescanning from
    // the front after a drop is harmless.
    if (checked > lines_.size()) checked = 0;
    for (; checked < lines_.size(); ++checked) {
      if (match(lines_[checked])) return lines_[checked];
    }
    if (drained_) return std::nullopt;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout && std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
  }
}

std::optional<int> ChildProcess::WaitExit(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, Scaled(timeout), [&] { return waitStatus_.has_value(); });
  return waitStatus_;
}

void ChildProcess::Signal(int signal) const {
  // Through the pidfd: never hits a recycled pid.
  ::pidfd_send_signal(pidfd_, signal, nullptr, 0);
}

ChildProcess::Exit ChildProcess::Terminate(std::chrono::milliseconds grace) {
  if (exit_) return *exit_;
  Exit result;
  if (!WaitExit(std::chrono::milliseconds(0))) {
    Signal(SIGTERM);
    if (!WaitExit(grace)) {
      Signal(SIGKILL);
      result.killed = true;
      // SIGKILL cannot be ignored; this wait ends unless the kernel is stuck.
      WaitExit(std::chrono::seconds(30));
    }
  }
  if (drainer_.joinable()) drainer_.join();
  std::lock_guard lock(mutex_);
  result.waitStatus = waitStatus_.value_or(-1);
  exit_ = result;
  return result;
}

std::string ChildProcess::OutputTail(std::size_t bytes) const {
  std::lock_guard lock(mutex_);
  return log_.size() <= bytes ? log_ : "..." + log_.substr(log_.size() - bytes);
}

std::string ChildProcess::DescribeWaitStatus(int waitStatus) {
  if (waitStatus < 0) return "still running";
  if (WIFEXITED(waitStatus)) return "exited with status " + std::to_string(WEXITSTATUS(waitStatus));
  if (WIFSIGNALED(waitStatus))
    return "killed by signal " + std::to_string(WTERMSIG(waitStatus)) + " (" + ::strsignal(WTERMSIG(waitStatus)) + ")";
  return "wait status " + std::to_string(waitStatus);
}

}  // namespace plenum::test
