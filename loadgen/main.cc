// nsw-loadgen: the command line; everything is in loadgen/cli.cc. This file
// only wires SIGINT/SIGTERM to the running engine's RequestStop (a second
// signal exits at once) and tells the CLI whether stdout is a terminal.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>

#include "loadgen/cli.h"

int main(int argc, char** argv) {
  std::mutex mu;
  std::function<void()> stop;
  int signals = 0;

  boost::asio::io_context io(1);
  boost::asio::signal_set set(io, SIGINT, SIGTERM);
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec, int) {
    if (ec) return;
    std::function<void()> handler;
    {
      std::lock_guard<std::mutex> lock(mu);
      handler = stop;
      ++signals;
      if (!handler || signals > 1) std::_Exit(130);
    }
    handler();
    set.async_wait(on_signal);
  };
  set.async_wait(on_signal);
  std::thread watcher([&io] { io.run(); });

  nsw::loadgen::CliEnvironment env;
  env.out_is_terminal = isatty(STDOUT_FILENO) == 1;
  env.set_interrupt_handler = [&](std::function<void()> f) {
    std::lock_guard<std::mutex> lock(mu);
    stop = std::move(f);
  };
  const int rc = nsw::loadgen::RunLoadgenCli(argc, argv, env);
  set.cancel();
  io.stop();
  watcher.join();
  return rc;
}
