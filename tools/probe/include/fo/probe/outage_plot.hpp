#pragma once

#include <string>
#include <vector>

#include "fo/probe/outage_analyzer.hpp"

namespace fo::probe {

/// `fo-probe outage --plot`: the measurement as an SVG timeline. Each
/// probe's echo reply is a mark coloured by the MAC that answered; the
/// gaps are shaded red with their length; gratuitous ARPs are triangles in
/// their sender's colour; owner changes are dashed lines; dual-owner
/// windows are shaded orange. The caption's figures are <text> elements
/// with ids (caption-outage, caption-dual-owner, caption-owners,
/// caption-probes), formatted as in the text report.
std::string render_outage_svg(const OutageReport& report, const std::vector<ProbeMark>& timeline,
                              const std::string& title);

}  // namespace fo::probe
