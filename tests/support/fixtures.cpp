#include "fixtures.hpp"

namespace fo::testing {

std::int64_t fixture_timestamp_ns(std::size_t index) {
    return 1'700'000'000'000'000'000LL + static_cast<std::int64_t>(index) * 1'000'000LL;
}

std::vector<Fixture> all_fixtures() {
    const wire::AuthKey key = test_key();
    std::vector<Fixture> fixtures;

    Fixture beats{"beats.pcap", {}};
    for (std::uint64_t sequence = 1; sequence <= 20; ++sequence) {
        beats.frames.push_back(beat_frame(sample_beat(sequence), &key));
        if (sequence % 4 == 0) {
            wire::Heartbeat reply = sample_beat(sequence / 4);
            reply.node_id = 2;
            reply.link_id = 1;
            reply.role = wire::Role::secondary;
            reply.state = wire::SenderState::standby;
            beats.frames.push_back(beat_frame(reply, &key, secondary_to_primary()));
        }
    }
    fixtures.push_back(beats);

    Fixture own{"own-beats.pcap", {}};
    wire::UdpEndpoints from_us = primary_to_secondary();
    from_us.source_mac = kOwnMac;
    for (std::uint64_t sequence = 1; sequence <= 3; ++sequence) {
        own.frames.push_back(beat_frame(sample_beat(sequence), &key, from_us));
    }
    fixtures.push_back(own);

    const wire::MacAddress mac = primary_to_secondary().source_mac;
    const wire::Ipv4Address service{0xC6336464};  // 198.51.100.100
    const wire::Ipv4Address other{0xC6336402};
    wire::ArpFrame request{wire::MacAddress::broadcast(), mac,  wire::kArpRequest, mac, wire::Ipv4Address{0xC6336401},
                           wire::MacAddress::zero(),      other};
    wire::ArpFrame reply{
        mac, primary_to_secondary().destination_mac, wire::kArpReply, primary_to_secondary().destination_mac, other,
        mac, wire::Ipv4Address{0xC6336401}};
    fixtures.push_back(Fixture{
        "arp.pcap",
        {arp_frame(wire::make_gratuitous_request(mac, service)), arp_frame(wire::make_gratuitous_reply(mac, service)),
         arp_frame(wire::make_arp_probe(mac, service)), arp_frame(request), arp_frame(reply)}});

    Fixture unrelated{"unrelated.pcap", {}};
    for (auto& item : unrelated_frames()) {
        unrelated.frames.push_back(item.frame);
    }
    fixtures.push_back(unrelated);

    Fixture malformed{"malformed.pcap", {}};
    for (auto& item : malformed_cases()) {
        malformed.frames.push_back(item.frame);
    }
    fixtures.push_back(malformed);
    return fixtures;
}

}  // namespace fo::testing
