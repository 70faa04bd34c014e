#include "fo/takeover/netlink_addresses.hpp"

#include <arpa/inet.h>
#include <linux/ethtool.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

namespace fo::takeover {

namespace {
// IFF_LOWER_UP (RFC 2863 operational status "up") lives in <linux/if.h>,
// which clashes with <net/if.h>.
constexpr unsigned kInterfaceLowerUp = 1U << 16U;
// Requests per sendmsg after the first address, which goes alone so that it
// is announced before the kernel works through the others.
constexpr std::size_t kBatchChunk = 64;
// Acks of a whole chunk wait in the socket: room for many more than one chunk.
constexpr int kBatchReceiveBufferBytes = 1 << 20;
// rtnetlink answers within the sendmsg; this only bounds a kernel that does not.
constexpr long kAckTimeoutSeconds = 1;
constexpr std::size_t kAckBufferBytes = 65536;
}  // namespace

struct NetlinkAddressManager::Socket {
    nl_sock* handle = nullptr;
    int batch_fd = -1;                           // raw NETLINK_ROUTE, for add_all and remove_all
    std::uint32_t next_seq = 1;                  // of the batch socket's requests
    int ioctl_fd = -1;                           // AF_INET datagram socket for ETHTOOL_GLINK (carrier)
    std::set<std::string> without_ethtool_link;  // interfaces whose driver has no get_link
};

namespace {
/// The address in network byte order, as netlink carries it.
struct AddressBytes {
    int family = AF_INET;
    std::array<std::uint8_t, 16> octets{};
    std::size_t size = 4;
    [[nodiscard]] std::string key() const { return {octets.begin(), octets.begin() + static_cast<long>(size)}; }
};

AddressBytes bytes_of(const ServiceAddress& address) {
    AddressBytes bytes;
    if (address.ipv6) {
        bytes.family = AF_INET6;
        bytes.octets = address.ipv6->octets;
        bytes.size = bytes.octets.size();
        return bytes;
    }
    const std::uint32_t network_order = htonl(address.address.value);
    std::memcpy(bytes.octets.data(), &network_order, sizeof network_order);
    return bytes;
}

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
    const AddressBytes bytes = bytes_of(address);
    nl_addr* local = nl_addr_build(bytes.family, bytes.octets.data(), bytes.size);
    nl_addr_set_prefixlen(local, address.prefix_length);
    rtnl_addr_set_ifindex(built.addr.get(), static_cast<int>(index));
    rtnl_addr_set_family(built.addr.get(), bytes.family);
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
    socket_->batch_fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (socket_->batch_fd < 0) {
        nl_socket_free(socket_->handle);
        throw std::runtime_error(std::string("cannot open a netlink route socket: ") + std::strerror(errno));
    }
    const int one = 1;
    // Acks without the request copied back; a bigger buffer (FORCE as root,
    // else up to rmem_max) so a chunk's acks always fit.
    ::setsockopt(socket_->batch_fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    if (::setsockopt(socket_->batch_fd, SOL_SOCKET, SO_RCVBUFFORCE, &kBatchReceiveBufferBytes,
                     sizeof kBatchReceiveBufferBytes) != 0) {
        ::setsockopt(socket_->batch_fd, SOL_SOCKET, SO_RCVBUF, &kBatchReceiveBufferBytes,
                     sizeof kBatchReceiveBufferBytes);
    }
    const timeval timeout{kAckTimeoutSeconds, 0};
    ::setsockopt(socket_->batch_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    socket_->ioctl_fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);  // -1: carrier() uses netlink only
}

NetlinkAddressManager::~NetlinkAddressManager() {
    if (socket_->ioctl_fd >= 0) {
        ::close(socket_->ioctl_fd);
    }
    ::close(socket_->batch_fd);
    nl_socket_free(socket_->handle);
}

namespace {
void put_attribute(std::vector<std::uint8_t>& out, unsigned short type, const void* data, std::size_t size) {
    const std::size_t start = out.size();
    out.resize(start + RTA_SPACE(size), 0);
    const rtattr attribute{static_cast<unsigned short>(RTA_LENGTH(size)), type};
    std::memcpy(out.data() + start, &attribute, sizeof attribute);
    std::memcpy(out.data() + start + RTA_LENGTH(0), data, size);
}

/// One RTM_NEWADDR (IFA_F_NODAD, replace: present is fine) or RTM_DELADDR,
/// as iproute2 and libnl build them: IFA_LOCAL and IFA_ADDRESS both the
/// address, and the label when it fits IFNAMSIZ.
void append_request(std::vector<std::uint8_t>& out, bool adding, const ServiceAddress& address, unsigned index,
                    const std::string& label, std::uint32_t seq) {
    const std::size_t start = out.size();
    out.resize(start + NLMSG_SPACE(sizeof(ifaddrmsg)), 0);
    const AddressBytes bytes = bytes_of(address);
    ifaddrmsg message{};
    message.ifa_family = static_cast<unsigned char>(bytes.family);
    message.ifa_prefixlen = static_cast<unsigned char>(address.prefix_length);
    message.ifa_flags = adding ? IFA_F_NODAD : 0;
    message.ifa_scope = RT_SCOPE_UNIVERSE;
    message.ifa_index = index;
    std::memcpy(out.data() + start + NLMSG_HDRLEN, &message, sizeof message);
    put_attribute(out, IFA_LOCAL, bytes.octets.data(), bytes.size);
    put_attribute(out, IFA_ADDRESS, bytes.octets.data(), bytes.size);
    // IPv6 addresses have no label (inet6_rtm_newaddr ignores it).
    if (adding && !address.ipv6 && !label.empty() && label.size() < IFNAMSIZ) {
        put_attribute(out, IFA_LABEL, label.c_str(), label.size() + 1);
    }
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(out.size() - start);
    header.nlmsg_type = adding ? RTM_NEWADDR : RTM_DELADDR;
    header.nlmsg_flags = NLM_F_REQUEST | (adding ? NLM_F_CREATE | NLM_F_REPLACE : 0);  // run_batch acks the last
    header.nlmsg_seq = seq;
    std::memcpy(out.data() + start, &header, sizeof header);
}
}  // namespace

struct NetlinkAddressManager::Batch {
    bool adding;
    const std::vector<ServiceAddress>& addresses;
    const BatchResult& result;
    std::vector<std::optional<std::string>> outcome;  // per address, once known
    std::size_t reported = 0;                         // results given, in order

    [[nodiscard]] std::string failure(std::size_t i, const std::string& why) const {
        return std::string(adding ? "adding " : "removing ") + addresses[i].text() + (adding ? " to " : " from ") +
               addresses[i].interface + ": " + why;
    }
    void settle(std::size_t i, std::string error) {
        if (!outcome[i]) {
            outcome[i] = std::move(error);
        }
        while (reported < outcome.size() && outcome[reported]) {
            result(reported, *outcome[reported]);
            ++reported;
        }
    }
};

void NetlinkAddressManager::add_all(const std::vector<ServiceAddress>& addresses, const std::string& label_suffix,
                                    const BatchResult& result) {
    run_batch(true, addresses, label_suffix, result);
}

void NetlinkAddressManager::remove_all(const std::vector<ServiceAddress>& addresses, const BatchResult& result) {
    run_batch(false, addresses, {}, result);
}

void NetlinkAddressManager::run_batch(bool adding, const std::vector<ServiceAddress>& addresses,
                                      const std::string& label_suffix, const BatchResult& result) {
    Batch batch{adding, addresses, result, std::vector<std::optional<std::string>>(addresses.size()), 0};
    std::map<std::string, unsigned> indexes;
    std::vector<std::uint8_t> request;
    std::vector<std::uint8_t> acks(kAckBufferBytes);
    for (std::size_t begin = 0; begin < addresses.size();) {
        const std::size_t end = std::min(addresses.size(), begin == 0 ? 1 : begin + kBatchChunk);
        const std::uint32_t first_seq = socket_->next_seq;
        socket_->next_seq += static_cast<std::uint32_t>(end - begin);
        request.clear();
        std::optional<std::size_t> last_sent;  // its request asks for an ack: the chunk's barrier
        std::size_t last_offset = 0;
        for (std::size_t i = begin; i < end; ++i) {
            const ServiceAddress& address = addresses[i];
            auto [found, inserted] = indexes.try_emplace(address.interface, 0);
            if (inserted) {
                found->second = if_nametoindex(address.interface.c_str());
            }
            if (found->second == 0) {
                batch.settle(i, "no interface " + address.interface);
                continue;
            }
            last_offset = request.size();
            append_request(request, adding, address, found->second, address.interface + ":" + label_suffix,
                           first_seq + static_cast<std::uint32_t>(i - begin));
            last_sent = i;
        }
        if (!last_sent) {
            begin = end;
            continue;
        }
        // rtnetlink answers every failed request, acked or not, and handles
        // a message's requests in order: one ack, on the last, tells that
        // every request before it without an error answer succeeded (a
        // thousand acks fewer to queue and read).
        auto* last_header = reinterpret_cast<nlmsghdr*>(request.data() + last_offset);
        last_header->nlmsg_flags |= NLM_F_ACK;
        bool barrier = false;
        if (::send(socket_->batch_fd, request.data(), request.size(), 0) < 0) {
            const std::string why = std::string("netlink send: ") + std::strerror(errno);
            for (std::size_t i = begin; i < end; ++i) {
                batch.settle(i, batch.failure(i, why));
            }
            barrier = true;
        }
        while (!barrier) {
            const ssize_t received = ::recv(socket_->batch_fd, acks.data(), acks.size(), 0);
            if (received < 0 && errno == EINTR) {
                continue;
            }
            if (received <= 0) {
                const std::string why = std::string("no netlink ack: ") + std::strerror(errno);
                for (std::size_t i = begin; i < end; ++i) {
                    batch.settle(i, batch.failure(i, why));
                }
                break;
            }
            int length = static_cast<int>(received);
            for (auto* header = reinterpret_cast<nlmsghdr*>(acks.data()); NLMSG_OK(header, length);
                 header = NLMSG_NEXT(header, length)) {
                const std::uint32_t offset = header->nlmsg_seq - first_seq;
                if (header->nlmsg_type != NLMSG_ERROR || offset >= end - begin ||
                    header->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
                    continue;  // not an answer for this chunk
                }
                const std::size_t i = begin + offset;
                int code = 0;
                std::memcpy(&code, NLMSG_DATA(header), sizeof code);  // nlmsgerr.error leads
                const bool fine = code == 0 || (adding && code == -EEXIST) || (!adding && code == -EADDRNOTAVAIL);
                if (!fine) {
                    batch.settle(i, batch.failure(i, std::strerror(-code)));
                }
                barrier = barrier || i == *last_sent;
            }
        }
        for (std::size_t i = begin; i < end; ++i) {
            batch.settle(i, {});  // no error answer before the barrier: added (settle keeps an earlier error)
        }
        begin = end;
    }
}

bool NetlinkAddressManager::add(const ServiceAddress& address, const std::string& label, std::string& error) {
    AddrBuilt built = build(address);
    if (!built.addr) {
        error = built.error;
        return false;
    }
    // No DAD: the address must answer at once (keepalived does the same).
    rtnl_addr_set_flags(built.addr.get(), IFA_F_NODAD);
    if (!label.empty() && !address.ipv6) {
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
    return present_all({address}).front();
}

std::vector<bool> NetlinkAddressManager::present_all(const std::vector<ServiceAddress>& addresses) {
    std::vector<bool> found(addresses.size(), false);
    nl_cache* cache = nullptr;
    if (rtnl_addr_alloc_cache(socket_->handle, &cache) < 0) {
        return found;
    }
    // (interface index, address) -> the list positions that ask for it.
    std::map<std::pair<unsigned, std::string>, std::vector<std::size_t>> wanted;
    std::map<std::string, unsigned> indexes;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        auto [entry, inserted] = indexes.try_emplace(addresses[i].interface, 0);
        if (inserted) {
            entry->second = if_nametoindex(addresses[i].interface.c_str());
        }
        wanted[{entry->second, bytes_of(addresses[i]).key()}].push_back(i);
    }
    for (nl_object* object = nl_cache_get_first(cache); object != nullptr; object = nl_cache_get_next(object)) {
        auto* addr = reinterpret_cast<rtnl_addr*>(object);
        nl_addr* local = rtnl_addr_get_local(addr);
        const int family = rtnl_addr_get_family(addr);
        if ((family != AF_INET && family != AF_INET6) || local == nullptr) {
            continue;
        }
        const auto* begin = static_cast<const char*>(nl_addr_get_binary_addr(local));
        const std::string key(begin, begin + nl_addr_get_len(local));
        const auto match = wanted.find({static_cast<unsigned>(rtnl_addr_get_ifindex(addr)), key});
        if (match != wanted.end()) {
            for (const std::size_t i : match->second) {
                found[i] = true;
            }
        }
    }
    nl_cache_free(cache);
    return found;
}

bool NetlinkAddressManager::carrier(const std::string& interface) {
    // ETHTOOL_GLINK answers "administratively up and the driver has the
    // link" (netif_running and get_link, for most drivers the carrier bit,
    // as IFF_UP + IFF_LOWER_UP) in one system call, where a netlink request
    // costs two and a whole link message with statistics; the bonding
    // driver's miimon polls the same. Netlink remains for drivers without it.
    if (socket_->ioctl_fd >= 0 && interface.size() < IFNAMSIZ && !socket_->without_ethtool_link.contains(interface)) {
        ethtool_value value{};
        value.cmd = ETHTOOL_GLINK;
        ifreq request{};
        std::memcpy(request.ifr_name, interface.data(), interface.size());
        request.ifr_data = reinterpret_cast<char*>(&value);
        if (::ioctl(socket_->ioctl_fd, SIOCETHTOOL, &request) == 0) {
            return value.data != 0;
        }
        if (errno == ENODEV) {
            return false;
        }
        if (errno == EOPNOTSUPP) {
            socket_->without_ethtool_link.insert(interface);
        }
    }
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
