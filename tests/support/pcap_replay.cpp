// Test helper: sends every frame of a pcap file on an interface, as an
// attacker replaying a capture would.  pcap_replay FILE INTERFACE [GAP_US]
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: pcap_replay FILE INTERFACE [GAP_US]\n");
        return 2;
    }
    const long gap_us = argc > 3 ? std::strtol(argv[3], nullptr, 10) : 100;
    char error[PCAP_ERRBUF_SIZE] = {};
    pcap_t* file = pcap_open_offline(argv[1], error);
    if (file == nullptr) {
        std::fprintf(stderr, "pcap_replay: %s\n", error);
        return 1;
    }
    pcap_t* live = pcap_open_live(argv[2], 65535, 0, 1, error);
    if (live == nullptr) {
        std::fprintf(stderr, "pcap_replay: %s\n", error);
        pcap_close(file);
        return 1;
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    long sent = 0;
    long failed = 0;
    while (pcap_next_ex(file, &header, &data) == 1) {
        if (pcap_inject(live, data, header->caplen) < 0) {
            ++failed;
        } else {
            ++sent;
        }
        usleep(static_cast<useconds_t>(gap_us));
    }
    std::printf("%ld\n", sent);
    if (failed > 0) {
        std::fprintf(stderr, "pcap_replay: %ld frames failed: %s\n", failed, pcap_geterr(live));
    }
    pcap_close(live);
    pcap_close(file);
    return failed > 0 ? 1 : 0;
}
