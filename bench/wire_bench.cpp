// Hot-path costs of the packet engine. Each figure has a peer in the same run
// (with and without HMAC; libnet build against our own encoder) so that the
// ratio, not the absolute figure on a noisy shared machine, is what we quote.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fo/inject/arp_sender.hpp"
#include "fo/wire/arp.hpp"
#include "fo/wire/heartbeat.hpp"
#include "fo/wire/replay_guard.hpp"
#include "frames.hpp"

namespace {

using fo::testing::Frame;

void encode(benchmark::State& state, bool with_key) {
    const fo::wire::AuthKey key = fo::testing::test_key();
    fo::wire::Heartbeat beat = fo::testing::sample_beat(1);
    fo::wire::HeartbeatPayload payload{};
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        ++beat.sequence;
        fo::wire::encode_heartbeat_payload(beat, with_key ? &key : nullptr, payload);
        benchmark::DoNotOptimize(payload);
    }
    state.SetItemsProcessed(state.iterations());
}
void BM_EncodeBeat_Hmac(benchmark::State& state) {
    encode(state, true);
}
void BM_EncodeBeat_NoAuth(benchmark::State& state) {
    encode(state, false);
}
BENCHMARK(BM_EncodeBeat_Hmac);
BENCHMARK(BM_EncodeBeat_NoAuth);

// Our precomputed key schedule against OpenSSL's one-shot HMAC(), which
// redoes the key setup for every message.
void BM_Hmac_PrecomputedKey(benchmark::State& state) {
    const fo::wire::AuthKey key = fo::testing::test_key();
    std::array<std::uint8_t, fo::wire::kHeartbeatAuthenticatedSize> message{};
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        ++message[0];
        benchmark::DoNotOptimize(key.compute(message));
    }
    state.SetItemsProcessed(state.iterations());
}
void BM_Hmac_OpenSslOneShot(benchmark::State& state) {
    const std::string secret = fo::testing::kTestKeyText;
    std::array<std::uint8_t, fo::wire::kHeartbeatAuthenticatedSize> message{};
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        ++message[0];
        HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), message.data(), message.size(),
             digest.data(), &length);
        benchmark::DoNotOptimize(digest);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Hmac_PrecomputedKey);
BENCHMARK(BM_Hmac_OpenSslOneShot);

void decode(benchmark::State& state, bool verify) {
    const fo::wire::AuthKey key = fo::testing::test_key();
    const Frame frame = fo::testing::beat_frame(fo::testing::sample_beat(1), &key);
    const fo::wire::HeartbeatDecodeOptions options{fo::wire::kDefaultHeartbeatPort, verify ? &key : nullptr};
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        auto decoded = fo::wire::decode_heartbeat_frame(frame, options);
        benchmark::DoNotOptimize(decoded);
    }
    state.SetItemsProcessed(state.iterations());
}
void BM_DecodeBeat_Verify(benchmark::State& state) {
    decode(state, true);
}
void BM_DecodeBeat_NoVerify(benchmark::State& state) {
    decode(state, false);
}
BENCHMARK(BM_DecodeBeat_Verify);
BENCHMARK(BM_DecodeBeat_NoVerify);

void BM_ReplayGuard_InOrder(benchmark::State& state) {
    fo::wire::ReplayGuard guard;
    fo::wire::Heartbeat beat = fo::testing::sample_beat(1);
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        ++beat.sequence;
        benchmark::DoNotOptimize(guard.check(beat));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReplayGuard_InOrder);

void BM_GarpBuild_Libnet(benchmark::State& state) {
    // libnet in LIBNET_NONE mode: headers rewritten in place and the frame
    // assembled, nothing sent, no privileges needed.
    fo::inject::LibnetArpSender sender("lo", fo::inject::InjectionMode::build_only,
                                       fo::wire::MacAddress{{0x02, 0, 0, 0, 0, 0x01}});
    const fo::wire::Ipv4Address address{0xC6336464};
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        if (!sender.send_gratuitous(address, fo::inject::GratuitousArpForm::request)) {
            state.SkipWithError(sender.last_error().c_str());
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GarpBuild_Libnet);

void BM_GarpEncode_Wire(benchmark::State& state) {
    const fo::wire::MacAddress mac{{0x02, 0, 0, 0, 0, 0x01}};
    const fo::wire::Ipv4Address address{0xC6336464};
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
        auto bytes = fo::wire::encode_arp_frame(fo::wire::make_gratuitous_request(mac, address));
        benchmark::DoNotOptimize(bytes);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GarpEncode_Wire);

}  // namespace

BENCHMARK_MAIN();
