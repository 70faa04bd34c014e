// Test helper: sends ARP through the inject library.
//   arp_send INTERFACE gratuitous-request|gratuitous-reply|probe ADDRESS [COUNT]
#include <cstdio>
#include <string>

#include "fo/inject/arp_sender.hpp"

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: arp_send INTERFACE gratuitous-request|gratuitous-reply|probe ADDRESS [COUNT]\n");
        return 2;
    }
    const std::string kind = argv[2];
    const auto address = fo::wire::Ipv4Address::parse(argv[3]);
    const int count = argc > 4 ? std::stoi(argv[4]) : 1;
    if (!address || (kind != "gratuitous-request" && kind != "gratuitous-reply" && kind != "probe")) {
        std::fprintf(stderr, "arp_send: bad kind or address\n");
        return 2;
    }
    try {
        fo::inject::LibnetArpSender sender(argv[1]);
        for (int i = 0; i < count; ++i) {
            const bool ok = kind == "probe"
                                ? sender.send_probe(*address)
                                : sender.send_gratuitous(*address, kind == "gratuitous-request"
                                                                       ? fo::inject::GratuitousArpForm::request
                                                                       : fo::inject::GratuitousArpForm::reply);
            if (!ok) {
                std::fprintf(stderr, "arp_send: %s\n", sender.last_error().c_str());
                return 1;
            }
        }
        std::printf("%s\n", sender.source_mac().to_string().c_str());
    } catch (const std::exception& error) {
        std::fprintf(stderr, "arp_send: %s\n", error.what());
        return 1;
    }
    return 0;
}
