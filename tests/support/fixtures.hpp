#pragma once

#include <string>
#include <vector>

#include "frames.hpp"

namespace fo::testing {

/// The pcap fixtures in tests/data, as named frame lists; make_fixtures writes
/// them and a unit test checks the committed files still match.
struct Fixture {
    std::string file_name;
    std::vector<Frame> frames;
};

/// The MAC that plays "ourselves" in the BPF filter tests (own-beats.pcap).
inline const wire::MacAddress kOwnMac{{0x02, 0, 0, 0, 0, 0x0A}};

std::vector<Fixture> all_fixtures();

/// Fixed capture time of frame `index`: 2023-11-14 22:13:20 UTC + index ms.
std::int64_t fixture_timestamp_ns(std::size_t index);

}  // namespace fo::testing
