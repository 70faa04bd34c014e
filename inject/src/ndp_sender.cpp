#include "fo/inject/ndp_sender.hpp"

#include "fo/inject/packet_socket.hpp"
#include "fo/wire/ipv6.hpp"

namespace fo::inject {

struct NdpSender::Socket {
    explicit Socket(const std::string& interface) : packet(interface, wire::kEtherTypeIpv6) {}
    PacketSocket packet;
};

NdpSender::NdpSender(const std::string& interface)
    : socket_(std::make_unique<Socket>(interface)), source_mac_(interface_addresses(interface).mac) {}

NdpSender::~NdpSender() = default;

bool NdpSender::send_unsolicited_advert(const wire::Ipv6Address& address) {
    const wire::NeighborAdvert advert = wire::make_unsolicited_advert(source_mac_, address);
    return socket_->packet.send(wire::encode_neighbor_advert(advert), last_error_);
}

bool NdpSender::send_dad_probe(const wire::Ipv6Address& address) {
    return send_solicit(wire::make_dad_probe(source_mac_, address));
}

bool NdpSender::send_solicit(const wire::NeighborSolicit& solicit) {
    return socket_->packet.send(wire::encode_neighbor_solicit(solicit), last_error_);
}

}  // namespace fo::inject
