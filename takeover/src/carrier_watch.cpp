#include "fo/takeover/carrier_watch.hpp"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <stdexcept>

namespace fo::takeover {

namespace {
constexpr unsigned kInterfaceLowerUp = 1U << 16U;  // IFF_LOWER_UP, see netlink_addresses.cpp
}

struct CarrierWatch::Socket {
    nl_sock* handle = nullptr;
    Handler handler;

    static int on_message(nl_msg* message, void* self) {
        auto* socket = static_cast<Socket*>(self);
        const nlmsghdr* header = nlmsg_hdr(message);
        if (header->nlmsg_type != RTM_NEWLINK && header->nlmsg_type != RTM_DELLINK) {
            return NL_OK;
        }
        if (header->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) {
            return NL_OK;
        }
        const auto* info = static_cast<const ifinfomsg*>(nlmsg_data(header));
        const bool carrier = header->nlmsg_type == RTM_NEWLINK && (info->ifi_flags & IFF_UP) != 0 &&
                             (info->ifi_flags & kInterfaceLowerUp) != 0;
        socket->handler(info->ifi_index, carrier);
        return NL_OK;
    }
};

CarrierWatch::CarrierWatch(Handler handler) : socket_(std::make_unique<Socket>()) {
    socket_->handler = std::move(handler);
    socket_->handle = nl_socket_alloc();
    if (socket_->handle == nullptr) {
        throw std::runtime_error("cannot allocate a netlink socket");
    }
    nl_socket_disable_seq_check(socket_->handle);
    nl_socket_modify_cb(socket_->handle, NL_CB_VALID, NL_CB_CUSTOM, &Socket::on_message, socket_.get());
    if (nl_connect(socket_->handle, NETLINK_ROUTE) != 0 ||
        nl_socket_add_membership(socket_->handle, RTNLGRP_LINK) != 0 ||
        nl_socket_set_nonblocking(socket_->handle) != 0) {
        nl_socket_free(socket_->handle);
        throw std::runtime_error("cannot subscribe to link changes over netlink");
    }
}

CarrierWatch::~CarrierWatch() {
    nl_socket_free(socket_->handle);
}

int CarrierWatch::fd() const {
    return nl_socket_get_fd(socket_->handle);
}

void CarrierWatch::read_events() {
    for (int round = 0; round < 64; ++round) {  // bounded: a flood of link messages yields to the loop
        if (nl_recvmsgs_default(socket_->handle) < 0) {
            break;  // -NLE_AGAIN: nothing more waiting
        }
    }
}

}  // namespace fo::takeover
