// The `cloudchaind` executable: signal handling around daemon::run().
//
// SIGINT and SIGTERM are blocked in every thread (the mask is set before any thread
// starts, and threads inherit it) and taken by one thread with sigwait(), so no handler
// runs in an arbitrary thread's context. The first one asks the node for a graceful
// shutdown; a second one exits at once. SIGPIPE is ignored: a client that hangs up is
// the API's error to handle, not a reason to die.

#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon.hpp"
#include "node/node.hpp"

namespace {

/// What the signal thread may touch, guarded by `mutex`.
struct SignalTarget {
  std::mutex mutex;
  cloudchain::node::Node* node = nullptr;  // the running node, or nullptr
  bool requested = false;                  // a shutdown signal arrived (maybe before the node ran)
};

// SIGUSR1 is ours: main sends it to end the signal thread when the daemon is done.
void signal_loop(sigset_t set, SignalTarget& target) {
  int signals = 0;
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGUSR1) return;
    if (++signals >= 2) {
      std::cerr << "cloudchaind: second signal, exiting now\n";
      std::_Exit(128 + sig);
    }
    std::lock_guard lock(target.mutex);
    target.requested = true;
    if (target.node != nullptr) target.node->request_shutdown();
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  SignalTarget target;
  std::thread signals(signal_loop, set, std::ref(target));

  cloudchain::daemon::Hooks hooks;
  hooks.on_started = [&target](cloudchain::node::Node& node) {
    std::lock_guard lock(target.mutex);
    target.node = &node;
    if (target.requested) node.request_shutdown();
  };
  hooks.on_stopping = [&target] {
    std::lock_guard lock(target.mutex);
    target.node = nullptr;
  };
  const std::vector<std::string> args(argv, argv + argc);
  const int status = cloudchain::daemon::run(args, {std::cout, std::cerr}, hooks);

  pthread_kill(signals.native_handle(), SIGUSR1);
  signals.join();
  std::cout.flush();
  return status;
}
