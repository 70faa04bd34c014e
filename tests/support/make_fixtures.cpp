// Regenerates tests/data/*.pcap and the fuzz seed corpus:
//   make_fixtures tests/data tests/fuzz/corpus
#include <filesystem>
#include <fstream>
#include <iostream>

#include "fixtures.hpp"
#include "fo/capture/pcap_writer.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: make_fixtures DATA_DIR CORPUS_DIR\n";
        return 2;
    }
    const std::filesystem::path data_dir = argv[1];
    const std::filesystem::path corpus_dir = argv[2];
    std::filesystem::create_directories(data_dir);
    std::filesystem::create_directories(corpus_dir);
    for (const auto& fixture : fo::testing::all_fixtures()) {
        fo::capture::PcapWriter writer((data_dir / fixture.file_name).string());
        for (std::size_t i = 0; i < fixture.frames.size(); ++i) {
            const auto& frame = fixture.frames[i];
            writer.write(fo::capture::CapturedPacket{frame, static_cast<std::uint32_t>(frame.size()),
                                                     fo::testing::fixture_timestamp_ns(i)});
            const std::string stem = std::filesystem::path(fixture.file_name).stem().string();
            std::ofstream seed(corpus_dir / (stem + "-" + std::to_string(i)), std::ios::binary);
            seed.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
        }
        std::cout << fixture.file_name << ": " << fixture.frames.size() << " frames\n";
    }
    return 0;
}
