#include "harness/signals.h"

#include <poll.h>

#include <gtest/gtest.h>

namespace soak {
namespace {

TEST(SignalWatcherTest, RecordsTheFirstSignalAndWakesPoll) {
  SignalWatcher w;
  EXPECT_EQ(w.received(), 0);
  ::raise(SIGTERM);  // would end the test process without the watcher
  ::raise(SIGINT);
  EXPECT_EQ(w.received(), SIGTERM);
  pollfd p{w.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 1);
  w.reset();
  EXPECT_EQ(w.received(), 0);
  EXPECT_EQ(::poll(&p, 1, 0), 0);
}

TEST(SignalWatcherTest, SighupIsRecordedLikeSigterm) {
  SignalWatcher w;
  ::raise(SIGHUP);  // would end the test process without the watcher
  EXPECT_EQ(w.received(), SIGHUP);
  w.reset();
}

TEST(SignalWatcherTest, RestoresThePreviousHandlers) {
  struct sigaction before {};
  ::sigaction(SIGINT, nullptr, &before);
  {
    SignalWatcher w;
    struct sigaction during {};
    ::sigaction(SIGINT, nullptr, &during);
    EXPECT_NE(during.sa_handler, before.sa_handler);
  }
  struct sigaction after {};
  ::sigaction(SIGINT, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

}  // namespace
}  // namespace soak
