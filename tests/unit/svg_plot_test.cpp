#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fo/probe/outage_analyzer.hpp"
#include "fo/probe/outage_plot.hpp"
#include "fo/probe/svg_writer.hpp"

namespace fo::probe {
namespace {

/// Tags balanced and properly nested; attribute values quoted; no raw '<' or
/// '&' outside tags and entities (a small well-formedness check: the netns
/// test parses real output with python3's XML parser too).
::testing::AssertionResult well_formed(const std::string& xml) {
    std::vector<std::string> open;
    std::size_t i = xml.find("?>");
    if (xml.rfind("<?xml", 0) != 0 || i == std::string::npos) {
        return ::testing::AssertionFailure() << "no XML declaration";
    }
    for (i += 2; i < xml.size(); ++i) {
        if (xml[i] == '&') {
            const auto end = xml.find(';', i);
            const std::string entity = xml.substr(i, end == std::string::npos ? 0 : end - i + 1);
            if (entity != "&amp;" && entity != "&lt;" && entity != "&gt;" && entity != "&quot;" && entity != "&apos;") {
                return ::testing::AssertionFailure() << "bad entity at " << i;
            }
            continue;
        }
        if (xml[i] != '<') {
            continue;
        }
        const auto end = xml.find('>', i);
        if (end == std::string::npos) {
            return ::testing::AssertionFailure() << "unclosed tag at " << i;
        }
        const std::string tag = xml.substr(i + 1, end - i - 1);
        if (std::count(tag.begin(), tag.end(), '"') % 2 != 0 || tag.find('<') != std::string::npos) {
            return ::testing::AssertionFailure() << "bad attributes in <" << tag << ">";
        }
        const std::string name =
            tag.substr(tag[0] == '/' ? 1 : 0, tag.find_first_of(" />", 1) - (tag[0] == '/' ? 1 : 0));
        if (tag[0] == '/') {
            if (open.empty() || open.back() != name) {
                return ::testing::AssertionFailure()
                       << "</" << name << "> closes " << (open.empty() ? "nothing" : open.back());
            }
            open.pop_back();
        } else if (tag.back() != '/') {
            open.push_back(name);
        }
        i = end;
    }
    if (!open.empty()) {
        return ::testing::AssertionFailure() << "<" << open.back() << "> never closed";
    }
    return ::testing::AssertionSuccess();
}

TEST(SvgWriter, EscapesTextAndAttributes) {
    EXPECT_EQ(xml_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
    EXPECT_EQ(xml_escape(std::string("bell\x07")), "bell\xEF\xBF\xBD");
    SvgWriter svg(100, 50, "</title><script>alert(1)</script>");
    svg.begin_group("g\"1");
    svg.text(1, 2, "R&D <owners>", 12, SvgWriter::Anchor::middle, "id'x");
    svg.rect(0, 0, 10, 10, "#fff", "tip </rect>");
    svg.line(0, 0, 1, 1, "red", 1, "4 3");
    svg.vertical_marks("M1 2v3", "blue", 1);
    svg.polygon("0,0 1,1 2,0", "green");
    const std::string out = svg.finish();  // closes the group
    EXPECT_TRUE(well_formed(out)) << out;
    EXPECT_EQ(out.find("<script>"), std::string::npos);
    EXPECT_NE(out.find(">R&amp;D &lt;owners&gt;</text>"), std::string::npos);
    EXPECT_NE(out.find("id=\"id&apos;x\""), std::string::npos);
    EXPECT_NE(out.find("<title>tip &lt;/rect&gt;</title></rect>"), std::string::npos);
    EXPECT_EQ(out.substr(out.size() - 12), "</g>\n</svg>\n");
}

TEST(SvgWriter, TheCheckerCatchesBrokenXml) {
    EXPECT_FALSE(well_formed("<?xml version=\"1.0\"?><svg><g></svg>"));
    EXPECT_FALSE(well_formed("<?xml version=\"1.0\"?><svg><text>a & b</text></svg>"));
    EXPECT_FALSE(well_formed("<?xml version=\"1.0\"?><svg><text>a < b</text></svg>"));
}

TEST(OutagePlot, DrawsTheMeasurementWithItsFiguresInTheCaption) {
    constexpr std::int64_t kMs = 1'000'000;
    const wire::MacAddress a{{0x02, 0, 0, 0, 0, 0x0A}};
    const wire::MacAddress b{{0x02, 0, 0, 0, 0, 0x0B}};
    OutageAnalyzer analyzer(kMs);
    const std::int64_t t0 = 1'000 * kMs;
    for (std::uint64_t i = 1; i <= 400; ++i) {
        const std::int64_t sent = t0 + static_cast<std::int64_t>(i) * kMs;
        analyzer.on_probe_sent(i, sent);
        if (i <= 100) {
            analyzer.on_echo_reply(i, a, sent);
        } else if (i > 250) {
            analyzer.on_echo_reply(i, b, sent);
        }
        if (i >= 300 && i < 320) {  // both answer ARP for 20 ms
            analyzer.on_arp_reply(a, sent + 100'000);
            analyzer.on_arp_reply(b, sent + 200'000);
        }
    }
    analyzer.on_gratuitous_arp(b, t0 + 250 * kMs);
    const OutageReport report = analyzer.report(t0 + 1'000 * kMs);
    const std::string svg = render_outage_svg(report, analyzer.timeline(t0 + 1'000 * kMs), "outage <test>");
    EXPECT_TRUE(well_formed(svg));
    EXPECT_NE(svg.find("id=\"caption-outage\">outage: 150.000 ms</text>"), std::string::npos) << svg;
    EXPECT_NE(svg.find("id=\"caption-dual-owner\">dual-owner: 20.000 ms in 1 window(s)</text>"), std::string::npos);
    EXPECT_NE(svg.find("id=\"caption-owners\">owners: 02:00:00:00:00:0a -&gt; 02:00:00:00:00:0b</text>"),
              std::string::npos);
    EXPECT_NE(svg.find("gratuitous ARP from 02:00:00:00:00:0b"), std::string::npos);
    EXPECT_NE(svg.find("<title>outage &lt;test&gt;</title>"), std::string::npos);
    // One mark per answered probe: 100 in a's path, 150 in b's.
    const auto marks_in = [&](const std::string& mac) {
        const auto tooltip = svg.find("<title>replies from " + mac);
        const auto path = svg.rfind("<path d=\"", tooltip);
        const std::string data = svg.substr(path, tooltip - path);
        return std::count(data.begin(), data.end(), 'M');
    };
    EXPECT_EQ(marks_in(a.to_string()), 100);
    EXPECT_EQ(marks_in(b.to_string()), 150);
}

}  // namespace
}  // namespace fo::probe
