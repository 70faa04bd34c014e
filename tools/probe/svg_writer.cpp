#include "fo/probe/svg_writer.hpp"

#include <cstdio>

namespace fo::probe {

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
                    out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 section 2.2 allows no other C0 control
                } else {
                    out += c;
                }
        }
    }
    return out;
}

std::string svg_number(double value, int decimals) {
    char text[48];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

SvgWriter::SvgWriter(double width, double height, std::string_view title) {
    out_ =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
        "width=\"" +
        svg_number(width, 0) + "\" height=\"" + svg_number(height, 0) + "\" viewBox=\"0 0 " + svg_number(width, 0) +
        " " + svg_number(height, 0) + "\" font-family=\"sans-serif\">\n<title>" + xml_escape(title) + "</title>\n";
    rect(0, 0, width, height, "#ffffff");
}

void SvgWriter::tooltip_or_close(std::string_view element, std::string_view tooltip) {
    if (tooltip.empty()) {
        out_ += "/>\n";
    } else {
        out_ += "><title>" + xml_escape(tooltip) + "</title></" + std::string(element) + ">\n";
    }
}

void SvgWriter::rect(double x, double y, double width, double height, std::string_view fill, std::string_view tooltip,
                     double opacity) {
    out_ += "<rect x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" width=\"" + svg_number(width) +
            "\" height=\"" + svg_number(height) + "\" fill=\"" + xml_escape(fill) + "\"";
    if (opacity < 1) {
        out_ += " fill-opacity=\"" + svg_number(opacity) + "\"";
    }
    tooltip_or_close("rect", tooltip);
}

void SvgWriter::line(double x1, double y1, double x2, double y2, std::string_view stroke, double stroke_width,
                     std::string_view dash) {
    out_ += "<line x1=\"" + svg_number(x1) + "\" y1=\"" + svg_number(y1) + "\" x2=\"" + svg_number(x2) + "\" y2=\"" +
            svg_number(y2) + "\" stroke=\"" + xml_escape(stroke) + "\" stroke-width=\"" + svg_number(stroke_width) +
            "\"";
    if (!dash.empty()) {
        out_ += " stroke-dasharray=\"" + xml_escape(dash) + "\"";
    }
    out_ += "/>\n";
}

void SvgWriter::vertical_marks(const std::string& path_data, std::string_view stroke, double stroke_width,
                               std::string_view tooltip) {
    out_ += "<path d=\"" + xml_escape(path_data) + "\" stroke=\"" + xml_escape(stroke) + "\" stroke-width=\"" +
            svg_number(stroke_width) + "\" fill=\"none\"";
    tooltip_or_close("path", tooltip);
}

void SvgWriter::polygon(std::string_view points, std::string_view fill, std::string_view tooltip) {
    out_ += "<polygon points=\"" + xml_escape(points) + "\" fill=\"" + xml_escape(fill) + "\"";
    tooltip_or_close("polygon", tooltip);
}

void SvgWriter::text(double x, double y, std::string_view content, double size, Anchor anchor, std::string_view id,
                     std::string_view fill) {
    static constexpr const char* kAnchors[] = {"start", "middle", "end"};
    out_ += "<text x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" font-size=\"" + svg_number(size, 1) +
            "\" text-anchor=\"" + kAnchors[static_cast<int>(anchor)] + "\" fill=\"" + xml_escape(fill) + "\"";
    if (!id.empty()) {
        out_ += " id=\"" + xml_escape(id) + "\"";
    }
    out_ += ">" + xml_escape(content) + "</text>\n";
}

void SvgWriter::begin_group(std::string_view id) {
    out_ += "<g id=\"" + xml_escape(id) + "\">\n";
    ++open_groups_;
}

void SvgWriter::end_group() {
    if (open_groups_ > 0) {
        out_ += "</g>\n";
        --open_groups_;
    }
}

std::string SvgWriter::finish() {
    while (open_groups_ > 0) {
        end_group();
    }
    return out_ + "</svg>\n";
}

}  // namespace fo::probe
