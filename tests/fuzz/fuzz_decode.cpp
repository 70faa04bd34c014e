// libFuzzer target: every decoder over arbitrary bytes. Built with clang
// (FO_FUZZ=ON); replay_main.cpp runs the same function over the corpus and
// the saved crashers under ctest on every build.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "fo/wire/advert.hpp"
#include "fo/wire/arp.hpp"
#include "fo/wire/heartbeat.hpp"
#include "fo/wire/icmp_echo.hpp"
#include "fo/wire/ndp.hpp"
#include "fo/wire/replay_guard.hpp"

namespace {
const fo::wire::AuthKey& fuzz_key() {
    static const char text[] = "fastfailover-test-key-0123456789";  // the fixtures' key, so seeds pass the MAC
    static const fo::wire::AuthKey key(std::vector<std::uint8_t>(text, text + std::strlen(text)));
    return key;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> frame(data, size);
    static fo::wire::ReplayGuard guard;
    auto keyed = fo::wire::decode_heartbeat_frame(frame, fo::wire::HeartbeatDecodeOptions{1694, &fuzz_key()});
    if (keyed) {
        (void)guard.check(keyed->beat);
    }
    auto unkeyed = fo::wire::decode_heartbeat_frame(frame, fo::wire::HeartbeatDecodeOptions{1694, nullptr});
    if (unkeyed) {
        (void)guard.check(unkeyed->beat);
        (void)fo::wire::to_string(unkeyed->beat.type);
    }
    auto advert = fo::wire::decode_advert_frame(frame);
    if (advert) {
        (void)fo::wire::protocol_name(advert.value());
        (void)fo::wire::advert_interval_us_of(advert.value());
        (void)fo::wire::envelope_of(advert.value()).source.to_string();
    } else {
        (void)fo::wire::to_string(advert.reason());
    }
    (void)fo::wire::decode_vrrp_frame(frame);
    (void)fo::wire::decode_carp_frame(frame);
    (void)fo::wire::decode_ipv6_frame(frame);
    (void)fo::wire::decode_udp6_echo_reply_frame(frame, 40000);
    auto neighbor = fo::wire::decode_neighbor_advert_frame(frame);
    if (neighbor) {
        (void)neighbor->target.to_string();
        (void)fo::wire::encode_neighbor_advert(neighbor.value());
    }
    auto solicit = fo::wire::decode_neighbor_solicit_frame(frame);
    if (solicit) {
        (void)solicit->is_dad_probe();
        (void)fo::wire::solicited_node_address(solicit->target).to_string();
        (void)fo::wire::encode_neighbor_solicit(solicit.value());
    }
    auto arp = fo::wire::decode_arp_frame(frame);
    if (arp) {
        (void)fo::wire::to_string(arp->kind());
    }
    return 0;
}
