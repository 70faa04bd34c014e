#include "fo/probe/outage_plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "fo/probe/svg_writer.hpp"

namespace fo::probe {

namespace {

constexpr double kWidth = 1000;
constexpr double kHeight = 380;
constexpr double kLeft = 130;
constexpr double kRight = 20;
constexpr double kRepliesTop = 50;
constexpr double kRepliesHeight = 60;
constexpr double kArpTop = 130;
constexpr double kArpHeight = 36;
constexpr double kAxisY = 186;
constexpr double kLegendY = 230;
constexpr double kCaptionY = 300;
// Colour-blind-safe hues (Okabe-Ito), without red and orange: those are the gap and dual owners.
constexpr std::array<const char*, 6> kMacColours = {"#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#999999"};
constexpr const char* kGapColour = "#D55E00";
constexpr const char* kDualColour = "#E69F00";

std::string ms_text(std::int64_t ns) {
    return svg_number(static_cast<double>(ns) / 1e6, 3);
}

/// 1, 2 or 5 x 10^n ms between ticks, about eight ticks in all.
double tick_step_ms(double span_ms) {
    const double raw = std::max(span_ms / 8, 1e-3);
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double factor : {1.0, 2.0, 5.0}) {
        if (raw <= factor * power) {
            return factor * power;
        }
    }
    return 10 * power;
}

class Timeline {
  public:
    Timeline(std::int64_t start_ns, std::int64_t end_ns)
        : start_ns_(start_ns), span_ns_(std::max<std::int64_t>(end_ns - start_ns, 1'000'000)) {}
    [[nodiscard]] double x(std::int64_t at_ns) const {
        const double fraction = static_cast<double>(at_ns - start_ns_) / static_cast<double>(span_ns_);
        return kLeft + std::clamp(fraction, 0.0, 1.0) * (kWidth - kLeft - kRight);
    }
    [[nodiscard]] std::int64_t start_ns() const { return start_ns_; }
    [[nodiscard]] std::int64_t span_ns() const { return span_ns_; }

  private:
    std::int64_t start_ns_;
    std::int64_t span_ns_;
};

Timeline time_range(const OutageReport& report, const std::vector<ProbeMark>& timeline) {
    std::int64_t start = timeline.empty() ? 0 : timeline.front().sent_ns;
    std::int64_t end = timeline.empty() ? 0 : timeline.back().sent_ns + report.resolution_ns;
    for (const GratuitousArp& garp : report.gratuitous_arps) {
        start = start == 0 ? garp.at_ns : std::min(start, garp.at_ns);
        end = std::max(end, garp.at_ns);
    }
    return {start, end};
}

void draw_axis(SvgWriter& svg, const Timeline& time) {
    const double span_ms = static_cast<double>(time.span_ns()) / 1e6;
    const double step = tick_step_ms(span_ms);
    svg.line(kLeft, kAxisY, kWidth - kRight, kAxisY, "#444");
    for (int i = 0; i * step <= span_ms + 1e-9 && i < 100; ++i) {
        const double at_ms = i * step;
        const double x = time.x(time.start_ns() + static_cast<std::int64_t>(at_ms * 1e6));
        svg.line(x, kAxisY, x, kAxisY + 5, "#444");
        svg.text(x, kAxisY + 18, svg_number(at_ms, step < 1 ? 1 : 0), 10, SvgWriter::Anchor::middle);
    }
    svg.text(kWidth - kRight, kAxisY + 32, "ms since the first probe", 10, SvgWriter::Anchor::end);
}

}  // namespace

std::string render_outage_svg(const OutageReport& report, const std::vector<ProbeMark>& timeline,
                              const std::string& title) {
    SvgWriter svg(kWidth, kHeight, title);
    svg.text(kWidth / 2, 24, title, 15, SvgWriter::Anchor::middle, "title");
    const Timeline time = time_range(report, timeline);

    // Colours by first appearance: the first owner is always blue.
    std::map<wire::MacAddress, std::string> colours;
    const auto colour_of = [&](const wire::MacAddress& mac) -> const std::string& {
        auto [at, fresh] = colours.emplace(mac, "");
        if (fresh) {
            at->second = kMacColours.at((colours.size() - 1) % kMacColours.size());
        }
        return at->second;
    };
    for (const ProbeMark& mark : timeline) {
        if (mark.answered_by) {
            colour_of(*mark.answered_by);
        }
    }

    svg.text(kLeft - 8, kRepliesTop + kRepliesHeight / 2 + 4, "echo replies", 12, SvgWriter::Anchor::end);
    svg.text(kLeft - 8, kArpTop + kArpHeight / 2 + 4, "gratuitous ARP", 12, SvgWriter::Anchor::end);
    svg.rect(kLeft, kRepliesTop, kWidth - kLeft - kRight, kRepliesHeight, "#f4f4f4");
    svg.rect(kLeft, kArpTop, kWidth - kLeft - kRight, kArpHeight, "#f4f4f4");

    svg.begin_group("dual-owner-windows");
    for (const DualOwnerWindow& window : report.dual_owner_windows) {
        const double x = time.x(window.start_ns);
        svg.rect(x, kRepliesTop - 6, std::max(time.x(window.end_ns) - x, 1.0), kArpTop + kArpHeight - kRepliesTop + 6,
                 kDualColour, "dual owner " + ms_text(window.end_ns - window.start_ns) + " ms", 0.45);
    }
    svg.end_group();

    svg.begin_group("gaps");
    for (const Gap& gap : report.gaps) {
        const double x = time.x(gap.start_ns);
        const double width = std::max(time.x(gap.end_ns) - x, 1.0);
        const std::string length = ms_text(gap.length_ns()) + " ms";
        svg.rect(x, kRepliesTop, width, kRepliesHeight, kGapColour,
                 "gap " + length + ", " + std::to_string(gap.probes()) + " probes unanswered", 0.35);
        if (report.outage && gap.start_ns == report.outage->start_ns) {  // the others: tooltips only (no clutter)
            svg.text(x + width / 2, kRepliesTop - 4, "gap " + length, 11, SvgWriter::Anchor::middle, {}, kGapColour);
        }
    }
    svg.end_group();

    svg.begin_group("replies");
    std::map<wire::MacAddress, std::string> paths;
    for (const ProbeMark& mark : timeline) {
        if (mark.answered_by) {
            paths[*mark.answered_by] +=
                "M" + svg_number(time.x(mark.sent_ns), 1) + " " + svg_number(kRepliesTop + 8, 0) + "v44";
        }
    }
    for (const auto& [mac, path] : paths) {
        svg.vertical_marks(path, colour_of(mac), 1, "replies from " + mac.to_string());
    }
    svg.end_group();

    svg.begin_group("gratuitous-arps");
    for (const GratuitousArp& garp : report.gratuitous_arps) {
        const double x = time.x(garp.at_ns);
        const double top = kArpTop + 8;
        svg.polygon(
            svg_number(x - 5) + "," + svg_number(top + 20) + " " + svg_number(x + 5) + "," + svg_number(top + 20) +
                " " + svg_number(x) + "," + svg_number(top),
            colour_of(garp.mac),
            "gratuitous ARP from " + garp.mac.to_string() + " at " + ms_text(garp.at_ns - time.start_ns()) + " ms");
    }
    svg.end_group();

    svg.begin_group("owner-changes");
    for (const OwnerChange& change : report.owner_changes) {
        if (!change.from) {
            continue;
        }
        const double x = time.x(change.at_ns);
        svg.line(x, kRepliesTop - 2, x, kArpTop + kArpHeight + 2, "#222", 1.2, "4 3");
        svg.text(x + 3, kArpTop + kArpHeight + 14, "now " + change.to.to_string(), 10, SvgWriter::Anchor::start, {},
                 colour_of(change.to));
    }
    svg.end_group();

    draw_axis(svg, time);

    svg.begin_group("legend");
    double legend_x = kLeft;
    for (const auto& [mac, colour] : colours) {
        const auto count = report.replies_per_mac.count(mac) != 0 ? report.replies_per_mac.at(mac) : 0;
        svg.rect(legend_x, kLegendY - 10, 12, 12, colour);
        const std::string label = mac.to_string() + " (" + std::to_string(count) + " replies)";
        svg.text(legend_x + 16, kLegendY, label, 11);
        legend_x += 16 + 7.0 * static_cast<double>(label.size()) + 20;
    }
    svg.rect(legend_x, kLegendY - 10, 12, 12, kGapColour, {}, 0.35);
    svg.text(legend_x + 16, kLegendY, "gap", 11);
    svg.rect(legend_x + 60, kLegendY - 10, 12, 12, kDualColour, {}, 0.45);
    svg.text(legend_x + 76, kLegendY, "dual owner", 11);
    svg.end_group();

    svg.begin_group("caption");
    const std::string outage = report.outage ? ms_text(report.outage->length_ns()) : svg_number(0, 3);
    svg.text(kLeft, kCaptionY, "outage: " + outage + " ms", 14, SvgWriter::Anchor::start, "caption-outage");
    svg.text(kLeft, kCaptionY + 20,
             "dual-owner: " + ms_text(report.dual_owner_total_ns) + " ms in " +
                 std::to_string(report.dual_owner_windows.size()) + " window(s)",
             14, SvgWriter::Anchor::start, "caption-dual-owner");
    std::string owners;
    for (const OwnerChange& change : report.owner_changes) {
        owners += (owners.empty() ? "" : " -> ") + change.to.to_string();
    }
    svg.text(kLeft, kCaptionY + 40, "owners: " + (owners.empty() ? std::string("none") : owners), 14,
             SvgWriter::Anchor::start, "caption-owners");
    svg.text(kLeft, kCaptionY + 60,
             "probes: " + std::to_string(report.probes_sent) + " sent, " + std::to_string(report.probes_answered) +
                 " answered, resolution " + ms_text(report.resolution_ns) + " ms; " +
                 std::to_string(report.gratuitous_arps.size()) + " gratuitous ARPs",
             12, SvgWriter::Anchor::start, "caption-probes");
    svg.end_group();
    return svg.finish();
}

}  // namespace fo::probe
