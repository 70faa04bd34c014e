#include "fo/takeover/netlink_addresses.hpp"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fo::takeover {

namespace {
// IFF_LOWER_UP (RFC 2863 operational status "up") lives in <linux/if.h>,
// which clashes with <net/if.h>.
constexpr unsigned kInterfaceLowerUp = 1U << 16U;
}  // namespace

struct NetlinkAddressManager::Socket {
    nl_sock* handle = nullptr;
};

namespace {
struct AddrDeleter {
    void operator()(rtnl_addr* addr) const { rtnl_addr_put(addr); }
};
struct AddrBuilt {
    std::unique_ptr<rtnl_addr, AddrDeleter> addr;
    std::string error;
};

AddrBuilt build(const ServiceAddress& address) {
    AddrBuilt built;
    const unsigned index = if_nametoindex(address.interface.c_str());
    if (index == 0) {
        built.error = "no interface " + address.interface;
        return built;
    }
    built.addr.reset(rtnl_addr_alloc());
    const std::uint32_t network_order = htonl(address.address.value);
    nl_addr* local = nl_addr_build(AF_INET, &network_order, sizeof network_order);
    nl_addr_set_prefixlen(local, address.prefix_length);
    rtnl_addr_set_ifindex(built.addr.get(), static_cast<int>(index));
    rtnl_addr_set_family(built.addr.get(), AF_INET);
    rtnl_addr_set_local(built.addr.get(), local);
    nl_addr_put(local);
    return built;
}
}  // namespace

NetlinkAddressManager::NetlinkAddressManager() : socket_(std::make_unique<Socket>()) {
    socket_->handle = nl_socket_alloc();
    if (socket_->handle == nullptr || nl_connect(socket_->handle, NETLINK_ROUTE) != 0) {
        if (socket_->handle != nullptr) {
            nl_socket_free(socket_->handle);
        }
        throw std::runtime_error("cannot open a netlink route socket");
    }
}

NetlinkAddressManager::~NetlinkAddressManager() {
    nl_socket_free(socket_->handle);
}

bool NetlinkAddressManager::add(const ServiceAddress& address, const std::string& label, std::string& error) {
    AddrBuilt built = build(address);
    if (!built.addr) {
        error = built.error;
        return false;
    }
    // No DAD: the address must answer at once (keepalived does the same).
    rtnl_addr_set_flags(built.addr.get(), IFA_F_NODAD);
    if (!label.empty()) {
        rtnl_addr_set_label(built.addr.get(), label.c_str());
    }
    const int status = rtnl_addr_add(socket_->handle, built.addr.get(), NLM_F_REPLACE);
    if (status < 0 && status != -NLE_EXIST) {
        error = "adding " + address.text() + " to " + address.interface + ": " + nl_geterror(status);
        return false;
    }
    return true;
}

bool NetlinkAddressManager::remove(const ServiceAddress& address, std::string& error) {
    AddrBuilt built = build(address);
    if (!built.addr) {
        error = built.error;
        return false;
    }
    const int status = rtnl_addr_delete(socket_->handle, built.addr.get(), 0);
    if (status < 0 && status != -NLE_NOADDR && status != -NLE_OBJ_NOTFOUND) {
        error = "removing " + address.text() + " from " + address.interface + ": " + nl_geterror(status);
        return false;
    }
    return true;
}

bool NetlinkAddressManager::present(const ServiceAddress& address) {
    nl_cache* cache = nullptr;
    if (rtnl_addr_alloc_cache(socket_->handle, &cache) < 0) {
        return false;
    }
    const unsigned index = if_nametoindex(address.interface.c_str());
    bool found = false;
    for (nl_object* object = nl_cache_get_first(cache); object != nullptr; object = nl_cache_get_next(object)) {
        auto* addr = reinterpret_cast<rtnl_addr*>(object);
        nl_addr* local = rtnl_addr_get_local(addr);
        if (rtnl_addr_get_family(addr) != AF_INET || static_cast<unsigned>(rtnl_addr_get_ifindex(addr)) != index ||
            local == nullptr || nl_addr_get_len(local) != 4) {
            continue;
        }
        std::uint32_t network_order = 0;
        std::memcpy(&network_order, nl_addr_get_binary_addr(local), 4);
        found = found || ntohl(network_order) == address.address.value;
    }
    nl_cache_free(cache);
    return found;
}

bool NetlinkAddressManager::carrier(const std::string& interface) {
    rtnl_link* link = nullptr;
    if (rtnl_link_get_kernel(socket_->handle, 0, interface.c_str(), &link) < 0) {
        return false;
    }
    const unsigned flags = rtnl_link_get_flags(link);
    const bool has_carrier = (flags & IFF_UP) != 0 && (flags & kInterfaceLowerUp) != 0;
    rtnl_link_put(link);
    return has_carrier;
}

}  // namespace fo::takeover
