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
    // A chain, so each step proves the one before it was delivered: a
    // one-shot timer writes to the pipe, the readable callback reads the
    // byte and raises SIGUSR1, the signal callback stops the loop.
    int reads = 0;
    char byte_read = 0;
    loop.watch_readable(pipe_fds[0], [&] {
        ASSERT_EQ(read(pipe_fds[0], &byte_read, 1), 1);
        ++reads;
        raise(SIGUSR1);
    });
    std::uint64_t periodic_expirations = 0;
    loop.add_timer(1000, 1000, [&](std::uint64_t count) { periodic_expirations += count; });
    bool signalled = false;
    loop.on_signal(SIGUSR1, [&] {
        signalled = true;
        loop.stop();
    });
    int one_shot_runs = 0;
    loop.add_timer(1'000'000, 0, [&](std::uint64_t) {
        ++one_shot_runs;
        ASSERT_EQ(write(pipe_fds[1], "x", 1), 1);
    });
    bool gave_up = false;  // bounded: a broken loop fails the test instead of hanging it
    loop.add_timer(5'000'000'000, 0, [&](std::uint64_t) {
        gave_up = true;
        loop.stop();
    });
    loop.run();
    EXPECT_FALSE(gave_up) << "the chain timer -> readable fd -> signal did not complete within 5 s";
    EXPECT_EQ(one_shot_runs, 1);
    EXPECT_EQ(reads, 1);
    EXPECT_EQ(byte_read, 'x');
    EXPECT_TRUE(signalled);
    EXPECT_GT(periodic_expirations, 0U);
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
