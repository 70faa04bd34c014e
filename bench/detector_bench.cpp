// The receive path of a daemon, per beat: decode + MAC + replay guard +
// detector (BeatIntake), and a deadline tick, over a recorded stream of
// 100 000 beats on two links. The peer in the same run is decode + MAC alone
// (wire_bench's BM_DecodeBeat_Verify), so the ratio is the detector's share.
#include <benchmark/benchmark.h>

#include "fo/detector/beat_intake.hpp"
#include "fo/detector/peer_detector.hpp"
#include "frames.hpp"

namespace {

constexpr std::size_t kStreamLength = 100'000;
constexpr std::int64_t kIntervalNs = 1'000'000;

struct RecordedStream {
    std::vector<fo::testing::Frame> frames;
    std::vector<std::size_t> links;
    std::vector<std::int64_t> arrivals;
};

constexpr std::uint64_t kReceiverEpoch = 0xB0B;

const RecordedStream& stream() {
    static const RecordedStream recorded = [] {
        RecordedStream built;
        const fo::wire::AuthKey key = fo::testing::test_key();
        for (std::size_t i = 0; i < kStreamLength; ++i) {
            const std::size_t link = i % 2;
            fo::wire::Heartbeat beat = fo::testing::sample_beat(i / 2 + 1);
            beat.link_id = static_cast<std::uint8_t>(link);
            beat.echo_epoch = kReceiverEpoch;  // frames of an up session
            beat.echo_sequence = i / 2 + 1;
            built.frames.push_back(fo::testing::beat_frame(beat, &key));
            built.links.push_back(link);
            // 1 ms beats with up to 60 us of jitter, both links.
            built.arrivals.push_back(static_cast<std::int64_t>(i / 2) * kIntervalNs +
                                     static_cast<std::int64_t>((i * 7919) % 60'000));
        }
        return built;
    }();
    return recorded;
}

fo::detector::DetectorConfig two_links() {
    fo::detector::DetectorConfig config;
    config.link_names = {"eth0", "eth1"};
    config.initial_dead_time_ns = 0;
    return config;
}

void BM_ReceivePath_DecodeMacReplayDetector(benchmark::State& state) {
    const RecordedStream& recorded = stream();
    const fo::wire::Keyring keyring = fo::wire::Keyring::single(fo::testing::test_key());
    auto detector = std::make_unique<fo::detector::PeerDetector>(two_links(), 0);
    auto intake = std::make_unique<fo::detector::BeatIntake>(*detector, 2, kReceiverEpoch, 2,
                                                             fo::wire::kDefaultHeartbeatPort, &keyring);
    std::size_t next = 0;
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        if (next == recorded.frames.size()) {
            state.PauseTiming();
            // After a whole stream: every beat accepted, the peer alive on both links.
            if (intake->drops().total() != 0 || detector->peer_state() != fo::detector::PeerState::alive) {
                state.SkipWithError("the recorded stream should be all valid beats and the peer alive");
                break;
            }
            detector = std::make_unique<fo::detector::PeerDetector>(two_links(), 0);
            intake = std::make_unique<fo::detector::BeatIntake>(*detector, 2, kReceiverEpoch, 2,
                                                                fo::wire::kDefaultHeartbeatPort, &keyring);
            next = 0;
            state.ResumeTiming();
        }
        intake->on_frame(recorded.links[next], recorded.frames[next], recorded.arrivals[next]);
        detector->on_tick(recorded.arrivals[next]);
        ++next;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReceivePath_DecodeMacReplayDetector);

void BM_ReceivePath_DecodeMacOnly(benchmark::State& state) {
    const RecordedStream& recorded = stream();
    const fo::wire::AuthKey key = fo::testing::test_key();
    const fo::wire::HeartbeatDecodeOptions options{fo::wire::kDefaultHeartbeatPort, &key};
    std::size_t next = 0;
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        next = next == recorded.frames.size() ? 0 : next;
        benchmark::DoNotOptimize(fo::wire::decode_heartbeat_frame(recorded.frames[next++], options));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReceivePath_DecodeMacOnly);

}  // namespace

BENCHMARK_MAIN();
