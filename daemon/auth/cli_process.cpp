#include "auth/cli_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>
#include <thread>

#include <fmt/format.h>

namespace rootwatch::auth {
namespace {

using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// After SIGKILL a child is gone within moments; this long it is waited for on the I/O thread
// (without blocking it) before a helper thread takes over.
constexpr milliseconds reap_after_kill{2'000};

// A file descriptor closed when it goes out of scope.
class owned_fd {
 public:
  explicit owned_fd(int fd = -1) : fd_(fd) {}
  owned_fd(owned_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  owned_fd& operator=(owned_fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~owned_fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

 private:
  int fd_;
};

struct pipe_ends {
  owned_fd read;
  owned_fd write;
};

// Close-on-exec, so that no other child this process starts keeps a copy of a write end open
// (its reader would never see the end of the stream).
result<pipe_ends> make_pipe() {
  int fds[2] = {-1, -1};
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return make_error(error_kind::io, fmt::format("cannot create a pipe: {}", std::strerror(errno)), true);
  }
  return pipe_ends{owned_fd(fds[0]), owned_fd(fds[1])};
}

// The child, until it is reaped. Whatever way the run ends (a return, a timeout, cancellation,
// an exception at a co_await), a child not yet reaped is killed with its process group and
// reaped: by a helper thread when it has not gone yet, so that the I/O thread never blocks.
class child_process {
 public:
  explicit child_process(pid_t pid) : pid_(pid) {}
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() {
    if (!reaped_) {
      kill_group();
      reap_in_background();
    }
  }

  // The group id is the child's pid (POSIX_SPAWN_SETPGROUP 0), which cannot be reused before
  // the child is reaped: the signal reaches no stranger.
  void kill_group() {
    if (!reaped_) {
      ::kill(-pid_, SIGKILL);
    }
  }

  // The wait status when the child has ended, without blocking; nullopt while it runs. -1 when
  // the status is lost (someone else reaped it: SIGCHLD set to SIG_IGN does that).
  std::optional<int> try_reap() {
    int status = 0;
    pid_t r = 0;
    do {
      r = ::waitpid(pid_, &status, WNOHANG);
    } while (r == -1 && errno == EINTR);
    if (r == 0) {
      return std::nullopt;
    }
    reaped_ = true;
    return r == pid_ ? status : -1;
  }

 private:
  void reap_in_background() {
    if (try_reap()) {
      return;
    }
    const pid_t pid = pid_;
    try {
      std::thread([pid] {
        int status = 0;
        while (::waitpid(pid, &status, 0) == -1 && errno == EINTR) {
        }
      }).detach();
    } catch (const std::system_error& e) {
      spdlog::error("cannot start a thread to reap process {}: {}; it stays a zombie until rootwatch exits", pid,
                    e.what());
    }
  }

  pid_t pid_;
  bool reaped_ = false;
};

struct captured {
  std::string text;
  bool too_large = false;
  boost::system::error_code ec;  // other than end of file
};

// One output stream, read to its end. Past `limit` the child is killed at once: a runaway
// child must neither eat memory nor keep writing into a pipe nobody reads until the deadline.
awaitable<captured> capture(asio::posix::stream_descriptor& pipe, std::size_t limit, child_process& child) {
  captured c;
  std::array<char, 16 * 1024> buffer{};
  for (;;) {
    auto [ec, n] = co_await pipe.async_read_some(asio::buffer(buffer), use_tuple);
    if (c.text.size() + n > limit) {
      c.text.append(buffer.data(), limit - c.text.size());
      c.too_large = true;
      child.kill_group();
      co_return c;
    }
    c.text.append(buffer.data(), n);
    if (ec == asio::error::eof) {
      co_return c;
    }
    if (ec) {
      c.ec = ec;
      co_return c;
    }
  }
}

// True when the deadline passed; false when the wait was cancelled (the streams ended first,
// or the caller was cancelled).
awaitable<bool> expired(steady::time_point deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  auto [ec] = co_await timer.async_wait(use_tuple);
  co_return !ec;
}

// The child's wait status once it ends, polled without blocking: nullopt when `until` passed
// first. Polling is only needed for the moment between the end of its output and its exit.
awaitable<result<std::optional<int>>> wait_for_exit(child_process& child, steady::time_point until) {
  auto executor = co_await asio::this_coro::executor;
  milliseconds pause{1};
  for (;;) {
    if (auto status = child.try_reap()) {
      co_return status;
    }
    const auto now = steady::now();
    if (now >= until) {
      co_return std::optional<int>();
    }
    asio::steady_timer timer(executor, std::min<steady::time_point>(now + pause, until));
    auto [ec] = co_await timer.async_wait(use_tuple);
    if (ec) {
      co_return make_error(error_kind::cancelled, "cancelled while waiting for a program to exit");
    }
    pause = std::min(pause * 2, milliseconds{100});
  }
}

// Signals the daemon may ignore or handle go back to their defaults in the child, and none is
// blocked: a child that inherits an ignored SIGPIPE or SIGTERM behaves unlike when run by hand.
result<pid_t> spawn(const process_request& request, int out, int err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  // Sockets, the database and the health listener are not the child's business.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigdefault(&attributes, &defaults);

  std::vector<char*> argv;
  for (const auto& a : request.argv) {
    argv.push_back(const_cast<char*>(a.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : request.environment) {
    envp.push_back(const_cast<char*>(e.c_str()));
  }
  envp.push_back(nullptr);

  pid_t pid = 0;
  // glibc reports a failed exec here, as the return value.
  const int rc = ::posix_spawn(&pid, request.argv.front().c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    const bool not_runnable = rc == ENOENT || rc == EACCES || rc == ENOEXEC || rc == ENOTDIR || rc == ELOOP;
    return make_error(not_runnable ? error_kind::config : error_kind::io,
                      fmt::format("cannot run {}: {}", request.argv.front(), std::strerror(rc)), !not_runnable);
  }
  return pid;
}

process_outcome ended(int status, std::string out, std::string err) {
  process_outcome o;
  o.out = std::move(out);
  o.err = std::move(err);
  if (WIFEXITED(status)) {
    o.end = process_end::exited;
    o.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    o.end = process_end::signalled;
    o.signal = WTERMSIG(status);
  }
  return o;
}

error cancelled(const process_request& request) {
  return make_error(error_kind::cancelled, fmt::format("cancelled while {} ran", request.argv.front()));
}

}  // namespace

awaitable<result<process_outcome>> run_process(process_request request) {
  if (request.argv.empty()) {
    co_return make_error(error_kind::internal, "run_process without a program");
  }
  auto executor = co_await asio::this_coro::executor;
  const auto deadline = steady::now() + request.timeout;
  auto out_pipe = make_pipe();
  if (!out_pipe) {
    co_return out_pipe.error();
  }
  auto err_pipe = make_pipe();
  if (!err_pipe) {
    co_return err_pipe.error();
  }
  auto pid = spawn(request, out_pipe->write.get(), err_pipe->write.get());
  if (!pid) {
    co_return pid.error();
  }
  child_process child(*pid);
  // Only the child holds the write ends now: its exit (and its group's) ends both streams.
  out_pipe->write.reset();
  err_pipe->write.reset();
  asio::posix::stream_descriptor out(executor, out_pipe->read.release());
  asio::posix::stream_descriptor err(executor, err_pipe->read.release());

  using namespace boost::asio::experimental::awaitable_operators;
  auto raced = co_await ((capture(out, request.output_limit, child) && capture(err, request.output_limit, child)) ||
                         expired(deadline));
  if (raced.index() == 1) {
    if (!std::get<1>(raced)) {
      co_return cancelled(request);  // the child is killed and reaped on the way out
    }
    child.kill_group();
    co_await wait_for_exit(child, steady::now() + reap_after_kill);
    process_outcome o;
    o.end = process_end::timed_out;
    co_return o;
  }
  auto& [out_text, err_text] = std::get<0>(raced);
  for (const captured* c : {&out_text, &err_text}) {
    if (c->ec == asio::error::operation_aborted) {
      co_return cancelled(request);
    }
    if (c->ec) {
      co_return make_error(error_kind::io,
                           fmt::format("reading the output of {}: {}", request.argv.front(), c->ec.message()), true);
    }
  }
  if (out_text.too_large || err_text.too_large) {
    co_await wait_for_exit(child, steady::now() + reap_after_kill);
    process_outcome o;
    o.end = process_end::too_much_output;
    o.overflowed = out_text.too_large ? "stdout" : "stderr";
    o.out = std::move(out_text.text);
    o.err = std::move(err_text.text);
    co_return o;
  }
  // Both streams ended: the child is exiting. It still has until the deadline to do so.
  auto status = co_await wait_for_exit(child, deadline);
  if (!status) {
    co_return cancelled(request);
  }
  if (!*status) {
    child.kill_group();
    co_await wait_for_exit(child, steady::now() + reap_after_kill);
    process_outcome o;
    o.end = process_end::timed_out;
    o.out = std::move(out_text.text);
    o.err = std::move(err_text.text);
    co_return o;
  }
  if (**status == -1) {
    co_return make_error(error_kind::internal,
                         fmt::format("the exit status of {} was lost (is SIGCHLD ignored?)", request.argv.front()));
  }
  co_return ended(**status, std::move(out_text.text), std::move(err_text.text));
}

}  // namespace rootwatch::auth
