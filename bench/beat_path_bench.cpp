// The whole per-beat path of a daemon, without a network: BeatEmitter fills
// the frame, the real heartbeat sender signs it, writes it into its frame
// template and hands it to a sink (one end of an AF_UNIX datagram
// socketpair: one send syscall per beat, as the AF_PACKET sink does), the
// other end is read, and the frame goes through BeatIntake (decode, MAC,
// session, replay guard) into the PeerDetector with a deadline tick.
// The peer in the same run sends and reads without the intake.
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <memory>
#include <stdexcept>

#include "fo/detector/beat_intake.hpp"
#include "fo/detector/peer_detector.hpp"
#include "fo/inject/beat_emitter.hpp"
#include "fo/inject/heartbeat_sender.hpp"
#include "frames.hpp"

namespace {

constexpr std::int64_t kIntervalNs = 1'000'000;
constexpr std::uint64_t kReceiverEpoch = 0xB0B;
constexpr std::uint64_t kSenderEpoch = 0xA11CE;

/// A sender, its emitter and a socketpair; frames come out of `read_fd`.
class SinkPair {
  public:
    explicit SinkPair(const fo::wire::Keyring* keyring) {
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds_.data()) != 0) {
            throw std::runtime_error("socketpair");
        }
        fo::inject::HeartbeatSenderOptions options;
        options.interface = "sink";
        options.destination_ip = fo::wire::Ipv4Address{0xC6336402};  // 198.51.100.2
        options.destination_mac = fo::wire::MacAddress{{0x02, 0, 0, 0, 0, 2}};
        options.keyring = keyring;
        options.source_mac = fo::wire::MacAddress{{0x02, 0, 0, 0, 0, 1}};
        options.source_ip = fo::wire::Ipv4Address{0xC6336401};  // 198.51.100.1
        sender_ = std::make_unique<fo::inject::LibnetHeartbeatSender>(
            options, std::make_unique<fo::inject::DescriptorSink>(fds_[0]));
        emitter_ = std::make_unique<fo::inject::BeatEmitter>(
            fo::inject::BeatEmitter::Identity{1, kSenderEpoch, fo::wire::Role::primary, 1000},
            [this] { return clock_ += kIntervalNs; });
        emitter_->add_link("sink", *sender_);
        emitter_->set_state(fo::wire::SenderState::active);
        emitter_->set_echo_source([this](std::size_t) { return fo::inject::Echo{kReceiverEpoch, ++echoed_}; });
    }
    ~SinkPair() {
        close(fds_[0]);
        close(fds_[1]);
    }
    SinkPair(const SinkPair&) = delete;
    SinkPair& operator=(const SinkPair&) = delete;

    /// One beat out and back in: the received frame, empty on a failure.
    std::span<const std::uint8_t> beat() {
        if (emitter_->emit() != 0) {
            return {};
        }
        const ssize_t size = recv(fds_[1], buffer_.data(), buffer_.size(), 0);
        return size > 0 ? std::span<const std::uint8_t>(buffer_.data(), static_cast<std::size_t>(size))
                        : std::span<const std::uint8_t>{};
    }

  private:
    std::array<int, 2> fds_{};
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
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        const auto frame = pair.beat();
        now += kIntervalNs;
        intake.on_frame(0, frame, now);
        detector.on_tick(now);
    }
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
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        failed += pair.beat().empty() ? 1 : 0;
    }
    if (failed != 0) {
        state.SkipWithError("a beat was not sent");
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BeatPath_SendOnly);

}  // namespace

BENCHMARK_MAIN();
