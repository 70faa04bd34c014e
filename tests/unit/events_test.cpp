// The event bus (daemon/events.*): sequence numbers, the bounded ring, the
// JSON lines of `foctl events`, the journal fields (through a fake journal
// sink: CI has no journald), what a Node publishes during a failover (pair
// simulation), and the streams (event_streams.*): a reader gets every event
// in order, a reader that does not read loses events visibly and never
// blocks the loop.
#include "fo/daemon/events.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../sim/pair_sim.hpp"
#include "event_streams.hpp"
#include "fo/runtime/event_loop.hpp"
#include "fo/runtime/log.hpp"

namespace fo::daemon {
namespace {

struct Clocks {
    std::int64_t monotonic = 1'000;
    std::int64_t wall = 1'764'261'755'123'456'789;  // 2025-11-27T16:42:35.123456Z
};

EventBus make_bus(Clocks& clocks, std::size_t capacity) {
    return EventBus(
        capacity, [&clocks] { return clocks.monotonic++; }, [&clocks] { return clocks.wall; });
}

TEST(EventBus, NumbersEveryEventAndKeepsTheNewestInTheRing) {
    Clocks clocks;
    EventBus bus = make_bus(clocks, 4);
    std::vector<std::uint64_t> heard;
    bus.listen([&](const Event& event) { heard.push_back(event.sequence); });
    EXPECT_EQ(bus.oldest_sequence(), 1U);
    EXPECT_EQ(bus.next_sequence(), 1U);
    for (int i = 0; i < 6; ++i) {
        bus.publish({EventKind::link, {{"n", i}}});
    }
    EXPECT_EQ(heard, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(bus.next_sequence(), 7U);
    EXPECT_EQ(bus.oldest_sequence(), 3U) << "a ring of 4 keeps 3..6";
    EXPECT_EQ(bus.find(2), nullptr);
    ASSERT_NE(bus.find(3), nullptr);
    EXPECT_EQ(bus.find(3)->record.fields["n"], 2);
    EXPECT_EQ(bus.find(6)->record.fields["n"], 5);
    EXPECT_LT(bus.find(3)->monotonic_ns, bus.find(4)->monotonic_ns);
}

TEST(EventBus, AnEventPublishedByAListenerFollowsTheOneBeingDelivered) {
    Clocks clocks;
    EventBus bus = make_bus(clocks, 8);
    std::vector<std::string> first;
    std::vector<std::string> second;
    bus.listen([&](const Event& event) {
        first.emplace_back(to_string(event.record.kind));
        if (event.record.kind == EventKind::acquire) {
            bus.publish({EventKind::notification, {}});
        }
    });
    bus.listen([&](const Event& event) { second.emplace_back(to_string(event.record.kind)); });
    bus.publish({EventKind::acquire, {}});
    EXPECT_EQ(first, (std::vector<std::string>{"acquire", "notification"}));
    EXPECT_EQ(second, first) << "every listener sees the same order";
}

TEST(EventBus, JsonLineCarriesSequenceBothClocksAndTheFields) {
    Clocks clocks;
    EventBus bus = make_bus(clocks, 8);
    bus.publish({EventKind::acquire, {{"result", "acquired"}, {"address", "198.51.100.100/24"}}});
    const auto line = nlohmann::json::parse(event_json_line(*bus.find(1)));
    EXPECT_EQ(line["seq"], 1);
    EXPECT_EQ(line["mono_ns"], 1000);
    EXPECT_EQ(line["wall"], "2025-11-27T16:42:35.123456Z");
    EXPECT_EQ(line["event"], "acquire");
    EXPECT_EQ(line["result"], "acquired");
    EXPECT_EQ(line["address"], "198.51.100.100/24");
    EXPECT_EQ(event_json_line(*bus.find(1)).find('\n'), std::string::npos) << "one line";
    const auto lost = nlohmann::json::parse(lost_events_line(5, 12));
    EXPECT_EQ(lost["event"], "lost");
    EXPECT_EQ(lost["count"], 5);
    EXPECT_EQ(lost["next_seq"], 12);
}

TEST(EventJournal, FieldsAreFailoverPrefixedUpperCaseAndReachTheJournalSink) {
    Clocks clocks;
    EventBus bus = make_bus(clocks, 8);
    std::vector<std::vector<std::string>> entries;
    runtime::set_journal_sink([&](const std::vector<std::string>& entry) { entries.push_back(entry); });
    bus.listen(journal_event);
    bus.publish({EventKind::acquire, {{"result", "acquired"}, {"address", "198.51.100.100/24"}}});
    bus.publish({EventKind::peer, {{"peer_state", "dead"}, {"from", "alive"}, {"reason", "every link silent"}}});
    bus.publish({EventKind::link, {{"link", "lan0"}, {"link_state", "down"}}});
    bus.publish({EventKind::veto, {{"action", "acquire"}}});
    runtime::set_journal_sink({});
    ASSERT_EQ(entries.size(), 4U);
    const auto has = [](const std::vector<std::string>& entry, const std::string& field) {
        return std::find(entry.begin(), entry.end(), field) != entry.end();
    };
    EXPECT_TRUE(has(entries[0], "FAILOVER_EVENT=acquire"));
    EXPECT_TRUE(has(entries[0], "FAILOVER_RESULT=acquired"));
    EXPECT_TRUE(has(entries[0], "FAILOVER_ADDRESS=198.51.100.100/24"));
    EXPECT_TRUE(has(entries[0], "FAILOVER_SEQ=1"));
    EXPECT_TRUE(has(entries[0], "PRIORITY=6"));
    EXPECT_EQ(entries[0][0].rfind("MESSAGE=failover event acquire:", 0), 0U) << entries[0][0];
    EXPECT_TRUE(has(entries[1], "FAILOVER_EVENT=peer"));
    EXPECT_TRUE(has(entries[1], "FAILOVER_PEER_STATE=dead"));
    EXPECT_TRUE(has(entries[2], "FAILOVER_LINK=lan0"));
    EXPECT_TRUE(has(entries[2], "FAILOVER_LINK_STATE=down"));
    EXPECT_TRUE(has(entries[3], "PRIORITY=4")) << "a veto is a warning";
}

TEST(EventJournal, EntryDropsFieldNamesTheJournalWouldRefuse) {
    const auto entry = runtime::journal_entry(runtime::LogLevel::info, "hello",
                                              {{"FAILOVER_OK", "1"}, {"lower", "x"}, {"_TRUSTED", "x"}, {"", "x"}});
    EXPECT_EQ(entry,
              (std::vector<std::string>{"MESSAGE=hello", "PRIORITY=6", "SYSLOG_IDENTIFIER=fo", "FAILOVER_OK=1"}));
}

// ---- what a Node publishes: the pair simulation ----------------------------

struct Recorder final : EventSink {
    std::vector<EventRecord> records;
    void publish(EventRecord record) override { records.push_back(std::move(record)); }
    [[nodiscard]] std::vector<std::string> kinds() const {
        std::vector<std::string> out;
        for (const auto& record : records) {
            out.emplace_back(to_string(record.kind));
        }
        return out;
    }
    [[nodiscard]] std::ptrdiff_t index_of(EventKind kind, const std::string& key, const std::string& value) const {
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (records[i].kind == kind && records[i].fields.value(key, "") == value) {
                return static_cast<std::ptrdiff_t>(i);
            }
        }
        return -1;
    }
};

TEST(NodeEvents, AFailoverPublishesLinksPeerAcquireAndRoleInOrder) {
    sim::SimOptions options;
    options.name = "node events";
    sim::PairSim sim(options);
    Recorder secondary;
    sim.host(sim::kSecondary).events = &secondary;
    sim.start(sim::kPrimary);
    sim.run_for(3 * sim::kMs);
    sim.start(sim::kSecondary);
    sim.run_for(sim::kSec);
    ASSERT_NE(secondary.index_of(EventKind::peer, "peer_state", "alive"), -1)
        << ::testing::PrintToString(secondary.kinds());
    secondary.records.clear();
    sim.set_carrier(sim::kPrimary, sim::kPriv, false);  // the private link first: no handover on it
    sim.set_carrier(sim::kPrimary, sim::kLan, false);
    sim.run_for(sim::kSec);
    ASSERT_TRUE(sim.holds(sim::kSecondary));
    const auto link_down = secondary.index_of(EventKind::link, "link_state", "down");
    const auto dead = secondary.index_of(EventKind::peer, "peer_state", "dead");
    const auto acquired = secondary.index_of(EventKind::acquire, "result", "acquired");
    const auto active = secondary.index_of(EventKind::role, "state", "active");
    const auto mail = secondary.index_of(EventKind::notification, "subject", "");
    EXPECT_NE(link_down, -1);
    EXPECT_NE(dead, -1);
    ASSERT_NE(acquired, -1);
    ASSERT_NE(active, -1);
    EXPECT_LT(link_down, dead);
    EXPECT_LT(dead, acquired);
    EXPECT_LT(acquired, active) << ::testing::PrintToString(secondary.kinds());
    EXPECT_EQ(mail, -1) << "every notification names its subject";
    const auto kinds = secondary.kinds();
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "notification"), kinds.end());
    EXPECT_EQ(secondary.records[static_cast<std::size_t>(acquired)].fields["address"], "198.51.100.100/24");
    EXPECT_EQ(secondary.records[static_cast<std::size_t>(active)].fields["from"], "standby");
}

TEST(NodeEvents, AFailingCheckIsPublishedBeforeTheReleaseItCauses) {
    sim::SimOptions options;
    options.name = "check events";
    options.check_interval_ns = 20 * sim::kMs;
    options.check_fall = 2;
    options.check_rise = 2;
    sim::PairSim sim(options);
    Recorder primary;
    sim.host(sim::kPrimary).events = &primary;
    sim.start(sim::kPrimary);
    sim.run_for(3 * sim::kMs);
    sim.start(sim::kSecondary);
    sim.run_for(sim::kSec);
    ASSERT_TRUE(sim.holds(sim::kPrimary));
    ASSERT_NE(primary.index_of(EventKind::check, "check_state", "passing"), -1)
        << "the first result is published too: " << ::testing::PrintToString(primary.kinds());
    primary.records.clear();
    sim.set_service(sim::kPrimary, false);
    sim.run_for(sim::kSec);
    ASSERT_TRUE(sim.holds(sim::kSecondary));
    const auto failing = primary.index_of(EventKind::check, "check_state", "failing");
    const auto released = primary.index_of(EventKind::release, "result", "released");
    ASSERT_NE(failing, -1) << ::testing::PrintToString(primary.kinds());
    ASSERT_NE(released, -1) << ::testing::PrintToString(primary.kinds());
    EXPECT_LT(failing, released);
    const auto& fields = primary.records[static_cast<std::size_t>(failing)].fields;
    EXPECT_EQ(fields["from"], "passing");
    EXPECT_FALSE(fields["check"].get<std::string>().empty());
    EXPECT_FALSE(fields["target"].get<std::string>().empty());
}

// ---- the streams: real sockets on a real event loop ------------------------

std::string read_available(int fd) {
    std::string out;
    char buffer[4096];
    for (ssize_t got = 0; (got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT)) > 0;) {
        out.append(buffer, static_cast<std::size_t>(got));
    }
    return out;
}

std::vector<nlohmann::json> lines_of(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::size_t start = 0;
    for (auto end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
        out.push_back(nlohmann::json::parse(text.substr(start, end - start)));
        start = end + 1;
    }
    return out;
}

/// Runs the loop (once: a stopped EventLoop does not run again) with a
/// periodic `tick` until it has run `ticks` times.
void run_loop(runtime::EventLoop& loop, int ticks, const std::function<void()>& tick) {
    int left = ticks;
    loop.add_timer(1'000'000, 1'000'000, [&](std::uint64_t) {
        tick();
        if (--left == 0) {
            loop.stop();
        }
    });
    loop.run();
}

TEST(EventStreamsTest, ReadersGetTheSameEventsInOrderAndAStalledReaderLosesThemVisibly) {
    runtime::EventLoop loop;
    Clocks clocks;
    EventBus bus = make_bus(clocks, 16);
    EventStreamOptions options;
    options.send_buffer_bytes = 4096;  // the kernel takes a few events, then says EAGAIN
    options.batch_bytes = 512;
    options.retry_ns = 1'000'000;
    EventStreams streams(loop, bus, options);
    int reader[2];
    int stalled[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, reader), 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, stalled), 0);
    ASSERT_TRUE(streams.add(reader[0]));
    ASSERT_TRUE(streams.add(stalled[0]));
    std::string reader_text;
    const std::string padding(200, 'x');
    for (int i = 0; i < 400; ++i) {
        bus.publish({EventKind::link, {{"n", i}, {"padding", padding}}});  // never blocks, however full
        reader_text += read_available(reader[1]);
    }
    // The loop runs: the stalled reader now reads, a little at a time.
    std::string stalled_text;
    run_loop(loop, 60, [&] {
        reader_text += read_available(reader[1]);
        stalled_text += read_available(stalled[1]);
    });
    const auto reader_lines = lines_of(reader_text);
    ASSERT_EQ(reader_lines.size(), 401U) << "the subscribed line and every event";
    EXPECT_EQ(reader_lines[0]["event"], "subscribed");
    EXPECT_EQ(reader_lines[0]["next_seq"], 1);
    for (std::size_t i = 1; i < reader_lines.size(); ++i) {
        EXPECT_EQ(reader_lines[i]["seq"], i);
    }
    const auto stalled_lines = lines_of(stalled_text);
    std::uint64_t previous = 0;
    std::uint64_t lost = 0;
    bool gap = false;
    for (const auto& line : stalled_lines) {
        if (line["event"] == "lost") {
            lost += line["count"].get<std::uint64_t>();
            continue;
        }
        if (!line.contains("seq")) {
            continue;
        }
        const auto sequence = line["seq"].get<std::uint64_t>();
        EXPECT_GT(sequence, previous) << "increasing";
        gap = gap || sequence != previous + 1;
        previous = sequence;
    }
    EXPECT_TRUE(gap) << "the stalled reader sees a gap in seq";
    EXPECT_GT(lost, 0U) << "and a lost marker";
    EXPECT_EQ(previous, 400U) << "then the newest events";
    EXPECT_EQ(streams.lost(), lost);
    EXPECT_EQ(streams.size(), 2U);

    ::close(reader[1]);  // a reader that goes away is dropped at the next send
    bus.publish({EventKind::peer, {}});
    EXPECT_EQ(streams.size(), 1U);
    ::close(stalled[1]);
}

TEST(EventStreamsTest, RefusesMoreThanMaxStreams) {
    runtime::EventLoop loop;
    Clocks clocks;
    EventBus bus = make_bus(clocks, 16);
    EventStreamOptions options;
    options.max_streams = 1;
    EventStreams streams(loop, bus, options);
    int first[2];
    int second[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, first), 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, second), 0);
    EXPECT_TRUE(streams.add(first[0]));
    EXPECT_FALSE(streams.add(second[0]));
    ::close(second[0]);
    ::close(second[1]);
    ::close(first[1]);
}

}  // namespace
}  // namespace fo::daemon
