#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <vector>

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

// The loop's deadline queue: a timer moved many times (as the detector's
// deadline is after every beat), among others with equal deadlines, leaves
// no stale entry behind: it fires once, after its last deadline, and the
// others still fire in the order they were added.
TEST(EventLoop, ATimerMovedManyTimesFiresOnceAtItsLastDeadline) {
    EventLoop loop;
    std::vector<int> order;
    for (int i = 0; i < 3; ++i) {
        loop.add_timer(2'000'000, 0, [&order, i](std::uint64_t) { order.push_back(i); });
    }
    int moved_runs = 0;
    const auto moved = loop.add_timer(1'000'000, 0, [&](std::uint64_t) { ++moved_runs; });
    for (int i = 0; i < 1000; ++i) {
        loop.rearm_timer(moved, 1'000'000 + i, 0);
    }
    loop.rearm_timer(moved, 30'000'000, 0);
    int runs_when_checked = -1;
    loop.add_timer(15'000'000, 0, [&](std::uint64_t) { runs_when_checked = moved_runs; });
    loop.add_timer(60'000'000, 0, [&](std::uint64_t) { loop.stop(); });
    loop.run();
    EXPECT_EQ(runs_when_checked, 0) << "fired at a deadline it had been moved away from";
    EXPECT_EQ(moved_runs, 1);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

}  // namespace
}  // namespace fo::runtime
