/// A bar chart as a standalone SVG element (well-formed XML, so it also stands alone as an `.svg` file):
/// value axis with gridlines at round steps, one bar per label with its value above it, labels under the bars,
/// and both axis titles. Drawn here rather than by a charting library, so the page needs no script and prints
/// as it shows.
public enum SVGBarChart {
    public struct Layout: Sendable {
        public var width: Double = 680
        public var height: Double = 300
        public var marginLeft: Double = 64
        public var marginRight: Double = 16
        public var marginTop: Double = 24
        public var marginBottom: Double = 64
        public var barColor = "#3f6fa8"
        public init() {}
    }

    static let fontFamily = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC','WenQuanYi Micro Hei',sans-serif"

    public static func render(_ chart: ReportChart, layout: Layout = Layout()) -> String {
        let bars = chart.bars
        let plotLeft = layout.marginLeft
        let plotRight = layout.width - layout.marginRight
        let plotTop = layout.marginTop
        let plotBottom = layout.height - layout.marginBottom
        let plotWidth = plotRight - plotLeft
        let plotHeight = plotBottom - plotTop
        let maxValue = bars.map { max(0, $0.value) }.max() ?? 0
        let (top, step) = niceScale(maxValue)
        func y(_ value: Double) -> Double { plotBottom - max(0, min(value, top)) / top * plotHeight }

        var out: [String] = []
        let label = HTMLRenderer.escape(chart.title)
        out.append(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"\(label)\" viewBox=\"0 0 \(n(layout.width)) \(n(layout.height))\" width=\"\(n(layout.width))\" height=\"\(n(layout.height))\" font-family=\"\(fontFamily)\" font-size=\"12\">"
        )
        out.append("<title>\(label)</title>")
        // Gridlines and value-axis ticks.
        var tick = 0.0
        while tick <= top + step / 2 {
            let ty = y(tick)
            out.append(
                "<line x1=\"\(n(plotLeft))\" y1=\"\(n(ty))\" x2=\"\(n(plotRight))\" y2=\"\(n(ty))\" stroke=\"#dddddd\" stroke-width=\"1\"/>"
            )
            out.append(
                "<text x=\"\(n(plotLeft - 6))\" y=\"\(n(ty + 4))\" text-anchor=\"end\" fill=\"#555555\">\(HTMLRenderer.escape(ReportFormat.number(tick)))</text>"
            )
            tick += step
        }
        // Axes.
        out.append(
            "<line x1=\"\(n(plotLeft))\" y1=\"\(n(plotTop))\" x2=\"\(n(plotLeft))\" y2=\"\(n(plotBottom))\" stroke=\"#333333\" stroke-width=\"1\"/>"
        )
        out.append(
            "<line x1=\"\(n(plotLeft))\" y1=\"\(n(plotBottom))\" x2=\"\(n(plotRight))\" y2=\"\(n(plotBottom))\" stroke=\"#333333\" stroke-width=\"1\"/>"
        )
        // Bars, values above, labels below. Many bars (a month of days) get smaller text and thinned labels.
        if !bars.isEmpty {
            let slot = plotWidth / Double(bars.count)
            let barWidth = min(slot * 0.64, 72)
            let crowded = bars.count > 16
            let fontSize = crowded ? 9.0 : 12.0
            let labelEvery = crowded ? max(1, Int((Double(bars.count) / 16).rounded(.up))) : 1
            for (index, bar) in bars.enumerated() {
                let centre = plotLeft + slot * (Double(index) + 0.5)
                let barTop = y(bar.value)
                let height = plotBottom - barTop
                let text = HTMLRenderer.escape(bar.label)
                out.append(
                    "<rect x=\"\(n(centre - barWidth / 2))\" y=\"\(n(barTop))\" width=\"\(n(barWidth))\" height=\"\(n(height))\" fill=\"\(layout.barColor)\"><title>\(text)：\(HTMLRenderer.escape(ReportFormat.number(bar.value)))</title></rect>"
                )
                if !crowded || bar.value != 0 {
                    out.append(
                        "<text x=\"\(n(centre))\" y=\"\(n(barTop - 4))\" text-anchor=\"middle\" font-size=\"\(n(fontSize))\" fill=\"#222222\">\(HTMLRenderer.escape(ReportFormat.number(bar.value)))</text>"
                    )
                }
                if index % labelEvery == 0 {
                    out.append(
                        "<text x=\"\(n(centre))\" y=\"\(n(plotBottom + 16))\" text-anchor=\"middle\" font-size=\"\(n(fontSize))\" fill=\"#333333\">\(text)</text>"
                    )
                }
            }
        } else {
            out.append(
                "<text x=\"\(n(plotLeft + plotWidth / 2))\" y=\"\(n(plotTop + plotHeight / 2))\" text-anchor=\"middle\" fill=\"#777777\">无数据</text>"
            )
        }
        // Axis titles.
        if let title = chart.labelAxisTitle {
            out.append(
                "<text x=\"\(n(plotLeft + plotWidth / 2))\" y=\"\(n(layout.height - 14))\" text-anchor=\"middle\" font-size=\"13\" fill=\"#333333\">\(HTMLRenderer.escape(title))</text>"
            )
        }
        let valueTitle = [chart.valueAxisTitle, chart.unit.map { "（\($0)）" }].compactMap { $0 }.joined()
        if !valueTitle.isEmpty {
            let x = 16.0
            let yMid = plotTop + plotHeight / 2
            out.append(
                "<text x=\"\(n(x))\" y=\"\(n(yMid))\" text-anchor=\"middle\" font-size=\"13\" fill=\"#333333\" transform=\"rotate(-90 \(n(x)) \(n(yMid)))\">\(HTMLRenderer.escape(valueTitle))</text>"
            )
        }
        out.append("</svg>")
        return out.joined(separator: "\n")
    }

    /// A round top for the value axis and its step: 1, 2 or 5 times a power of ten, four to six steps.
    static func niceScale(_ maxValue: Double) -> (top: Double, step: Double) {
        guard maxValue.isFinite, maxValue > 0 else { return (1, 1) }
        let rough = maxValue / 5
        var magnitude = 1.0
        while magnitude * 10 <= rough { magnitude *= 10 }
        while magnitude > rough && magnitude > 1e-9 { magnitude /= 10 }
        var step = magnitude
        for factor in [1.0, 2.0, 5.0, 10.0] where magnitude * factor >= rough {
            step = magnitude * factor
            break
        }
        // Counts are whole: never a fractional step.
        if maxValue == maxValue.rounded() { step = max(1, step.rounded(.up)) }
        let top = (maxValue / step).rounded(.up) * step
        return (max(top, step), step)
    }

    /// A coordinate with at most one decimal, always with a dot.
    static func n(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        let magnitude = Int64(abs(tenths))
        let sign = tenths < 0 ? "-" : ""
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }
}
