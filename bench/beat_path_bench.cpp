// The whole per-beat path of a daemon, without a network: BeatEmitter fills
// the frame, the real heartbeat sender signs it, writes it into its frame
// template and hands it to a sink (one end of an AF_UNIX datagram
// socketpair: one send syscall per beat, as the AF_PACKET sink does), the
// other end is read, and the frame goes through BeatIntake (decode, MAC,
// session, replay guard) into the PeerDetector with a deadline tick.
// The peer in the same run sends and reads without the intake.
// Each benchmark also reports allocs_per_item: the calls to malloc, calloc
// and realloc per item from any library (this program's malloc counts and
// hands over to glibc's), so an allocation added to the per-beat path shows.
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>

#include "fake_frame_sink.hpp"
#include "fo/detector/beat_intake.hpp"
#include "fo/detector/peer_detector.hpp"
#include "fo/inject/beat_emitter.hpp"
#include "fo/inject/heartbeat_sender.hpp"
#include "fo/runtime/event_loop.hpp"
#include "frames.hpp"

// Under AddressSanitizer the sanitizer owns malloc: nothing is counted
// there (CI builds the benchmarks without it; a sanitized build still links).
#if defined(__SANITIZE_ADDRESS__)
#define FO_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FO_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef FO_COUNT_ALLOCATIONS
#define FO_COUNT_ALLOCATIONS 1
#endif

namespace {
constexpr bool kCountAllocations = FO_COUNT_ALLOCATIONS != 0;
std::atomic<std::uint64_t> allocations{0};
}  // namespace

#if FO_COUNT_ALLOCATIONS

// glibc's own entry points, which every malloc of the process reaches
// through these (the executable's definitions interpose on every library's).
// NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp,cppcoreguidelines-no-malloc,readability-inconsistent-declaration-parameter-name)
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void* malloc(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_realloc(pointer, size);
}
}
// NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp,cppcoreguidelines-no-malloc,readability-inconsistent-declaration-parameter-name)
#endif

namespace {

/// Counts the allocations between its construction and report().
class AllocationCount {
  public:
    AllocationCount() : start_(allocations.load(std::memory_order_relaxed)) {}
    void report(benchmark::State& state) const {
        if constexpr (!kCountAllocations) {
            return;
        }
        state.counters["allocs_per_item"] =
            benchmark::Counter(static_cast<double>(allocations.load(std::memory_order_relaxed) - start_),
                               benchmark::Counter::kAvgIterations);
    }

  private:
    std::uint64_t start_;
};

constexpr std::int64_t kIntervalNs = 1'000'000;
constexpr std::uint64_t kReceiverEpoch = 0xB0B;
constexpr std::uint64_t kSenderEpoch = 0xA11CE;

/// A sender, its emitter and a socketpair sink; beat() sends one frame and reads it back.
class SinkPair {
  public:
    explicit SinkPair(const fo::wire::Keyring* keyring) {
        fo::inject::HeartbeatSenderOptions options;
        options.interface = "sink";
        options.destination_ip = fo::wire::Ipv4Address{0xC6336402};  // 198.51.100.2
        options.destination_mac = fo::wire::MacAddress{{0x02, 0, 0, 0, 0, 2}};
        options.keyring = keyring;
        options.source_mac = fo::wire::MacAddress{{0x02, 0, 0, 0, 0, 1}};
        options.source_ip = fo::wire::Ipv4Address{0xC6336401};  // 198.51.100.1
        auto sink = std::make_unique<fo::testing::SocketpairFrameSink>();
        sink_ = sink.get();
        sender_ = std::make_unique<fo::inject::LibnetHeartbeatSender>(options, std::move(sink));
        emitter_ = std::make_unique<fo::inject::BeatEmitter>(
            fo::inject::BeatEmitter::Identity{1, kSenderEpoch, fo::wire::Role::primary, 1000},
            [this] { return clock_ += kIntervalNs; });
        emitter_->add_link("sink", *sender_);
        emitter_->set_state(fo::wire::SenderState::active);
        emitter_->set_echo_source([this](std::size_t) { return fo::inject::Echo{kReceiverEpoch, ++echoed_}; });
    }
    ~SinkPair() = default;
    SinkPair(const SinkPair&) = delete;
    SinkPair& operator=(const SinkPair&) = delete;

    /// One beat out and back in: the received frame, empty on a failure.
    std::span<const std::uint8_t> beat() {
        if (emitter_->emit() != 0) {
            return {};
        }
        return sink_->receive(buffer_);
    }

  private:
    fo::testing::SocketpairFrameSink* sink_ = nullptr;  // owned by the sender
    std::unique_ptr<fo::inject::LibnetHeartbeatSender> sender_;
    std::unique_ptr<fo::inject::BeatEmitter> emitter_;
    std::int64_t clock_ = 0;
    std::uint64_t echoed_ = 0;
    std::array<std::uint8_t, 256> buffer_{};
};

fo::detector::DetectorConfig one_link() {
    fo::detector::DetectorConfig config;
    config.link_names = {"sink"};
    config.initial_dead_time_ns = 0;
    return config;
}

void BM_BeatPath_SendDecodeDetector(benchmark::State& state) {
    const fo::wire::Keyring keyring = fo::wire::Keyring::single(fo::testing::test_key());
    SinkPair pair(&keyring);
    fo::detector::PeerDetector detector(one_link(), 0);
    fo::detector::BeatIntake intake(detector, 2, kReceiverEpoch, 1, fo::wire::kDefaultHeartbeatPort, &keyring);
    std::int64_t now = 0;
    const AllocationCount counted;
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        const auto frame = pair.beat();
        now += kIntervalNs;
        intake.on_frame(0, frame, now);
        detector.on_tick(now);
    }
    counted.report(state);
    // Every beat must have been sent, decoded, verified and accepted.
    if (intake.drops().total() != 0 || intake.accepted() != static_cast<std::uint64_t>(state.iterations()) ||
        detector.peer_state() != fo::detector::PeerState::alive) {
        state.SkipWithError("a beat was lost, dropped or not accepted");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BeatPath_SendDecodeDetector);

void BM_BeatPath_SendOnly(benchmark::State& state) {
    const fo::wire::Keyring keyring = fo::wire::Keyring::single(fo::testing::test_key());
    SinkPair pair(&keyring);
    std::size_t failed = 0;
    const AllocationCount counted;
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        failed += pair.beat().empty() ? 1 : 0;
    }
    counted.report(state);
    if (failed != 0) {
        state.SkipWithError("a beat was not sent");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BeatPath_SendOnly);

/// What the event loop does per beat besides waiting: a daemon's timers
/// (the beat, the detector deadline, carrier, neighbours, watchdog...), of
/// which the detector deadline is moved after every beat and the beat timer
/// re-queued for its next period.
void BM_EventLoop_MoveTimersPerBeat(benchmark::State& state) {
    fo::runtime::EventLoop loop;
    constexpr int kOtherTimers = 8;
    constexpr std::int64_t kFarNs = 3'600'000'000'000;
    for (int i = 0; i < kOtherTimers; ++i) {
        loop.add_timer(kFarNs + i, kFarNs, [](std::uint64_t) {});
    }
    const auto beat = loop.add_timer(kIntervalNs, kIntervalNs, [](std::uint64_t) {});
    const auto detector = loop.add_timer(3 * kIntervalNs, 0, [](std::uint64_t) {});
    const AllocationCount counted;
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        loop.rearm_timer(beat, kIntervalNs, kIntervalNs);
        loop.rearm_timer(detector, 3 * kIntervalNs, 0);
    }
    counted.report(state);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventLoop_MoveTimersPerBeat);

}  // namespace

BENCHMARK_MAIN();
