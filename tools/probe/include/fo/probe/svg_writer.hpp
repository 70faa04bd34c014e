#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fo::probe {

/// `text` with &, <, >, " and ' as XML entities; control characters other
/// than tab and line feed (not allowed in XML 1.0) become U+FFFD.
std::string xml_escape(std::string_view text);

/// A minimal SVG 1.1 document writer: shapes and text, every attribute
/// value and text escaped, groups closed by finish(). No dependency; the
/// output opens in any browser.
class SvgWriter {
  public:
    SvgWriter(double width, double height, std::string_view title);

    void rect(double x, double y, double width, double height, std::string_view fill, std::string_view tooltip = {},
              double opacity = 1);
    void line(double x1, double y1, double x2, double y2, std::string_view stroke, double stroke_width = 1,
              std::string_view dash = {});
    /// One path of many short vertical strokes: "M x y v h" each (a mark per probe, compactly).
    void vertical_marks(const std::string& path_data, std::string_view stroke, double stroke_width,
                        std::string_view tooltip = {});
    void polygon(std::string_view points, std::string_view fill, std::string_view tooltip = {});
    enum class Anchor : std::uint8_t { start, middle, end };
    /// `id`, when given, lets a reader (a test) find this text.
    void text(double x, double y, std::string_view content, double size = 12, Anchor anchor = Anchor::start,
              std::string_view id = {}, std::string_view fill = "#222");
    void begin_group(std::string_view id);
    void end_group();

    /// The document; closes groups left open.
    [[nodiscard]] std::string finish();

  private:
    void tooltip_or_close(std::string_view element, std::string_view tooltip);
    std::string out_;
    int open_groups_ = 0;
};

/// "12.345" (fixed, no locale).
std::string svg_number(double value, int decimals = 2);

}  // namespace fo::probe
