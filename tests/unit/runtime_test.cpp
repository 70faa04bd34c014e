#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>

#include "fo/runtime/duration.hpp"
#include "fo/runtime/event_loop.hpp"

namespace fo::runtime {
namespace {

TEST(Duration, ParsesUnitsAndRejectsJunk) {
    EXPECT_EQ(parse_duration_ns("1ms"), 1'000'000);
    EXPECT_EQ(parse_duration_ns("250us"), 250'000);
    EXPECT_EQ(parse_duration_ns("1.5s"), 1'500'000'000);
    EXPECT_EQ(parse_duration_ns("100"), 100'000'000);
    EXPECT_EQ(parse_duration_ns("7ns"), 7);
    for (const char* bad : {"", "ms", "-1ms", "1 ms", "1h", "1.2.3ms", "99999999999999s"}) {
        EXPECT_FALSE(parse_duration_ns(bad)) << bad;
    }
}

TEST(EventLoop, DeliversReadableFdsTimersAndSignals) {
    EventLoop loop;
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    int reads = 0;
    loop.watch_readable(pipe_fds[0], [&] {
        char byte = 0;
        ASSERT_EQ(read(pipe_fds[0], &byte, 1), 1);
        ++reads;
    });
    std::uint64_t periodic_expirations = 0;
    loop.add_timer(1000, 1000, [&](std::uint64_t count) { periodic_expirations += count; });
    bool signalled = false;
    loop.on_signal(SIGUSR1, [&] {
        signalled = true;
        loop.stop();
    });
    loop.add_timer(1000, 0, [&](std::uint64_t) {
        ASSERT_EQ(write(pipe_fds[1], "x", 1), 1);
        raise(SIGUSR1);
    });
    loop.run();
    EXPECT_TRUE(signalled);
    EXPECT_GT(periodic_expirations, 0U);
    EXPECT_LE(reads, 1);  // the signal may stop the loop before the pipe is read
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

TEST(EventLoop, CancelledTimerNeverFires) {
    EventLoop loop;
    bool fired = false;
    const auto timer = loop.add_timer(1'000'000, 0, [&](std::uint64_t) { fired = true; });
    loop.cancel_timer(timer);
    loop.add_timer(5'000'000, 0, [&](std::uint64_t) { loop.stop(); });
    loop.run();
    EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace fo::runtime
