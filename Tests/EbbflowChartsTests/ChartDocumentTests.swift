// Every chart kind is well-formed XML with an accessible name, no inline style, escaped text and the same bytes each time.
import Foundation
import Testing

@testable import EbbflowCharts

@Suite struct ChartDocumentTests {
    @Test func everyKindIsWellFormedAccessibleAndStyleFree() {
        for chart in Samples.everyKind(Samples.audience(days: 60)) {
            #expect(xmlError(chart.svg) == nil, "\(chart.svg.prefix(400))")
            #expect(xmlError(chart.standaloneDocument()) == nil)
            #expect(chart.svg.hasPrefix("<svg ") && chart.svg.hasSuffix("</svg>\n"))
            #expect(!chart.svg.contains("<?xml"), "inline: no prolog")
            #expect(chart.svg.contains(#"role="img" aria-labelledby="audience-title audience-desc""#))
            #expect(chart.svg.contains(#"<title id="audience-title">Audience</title>"#))
            #expect(chart.svg.contains(#"<desc id="audience-desc">"#))
            #expect(chart.svg.contains(#"viewBox="0 0 "#) && !chart.svg.contains(" width=\"960\" height="))
            #expect(!chart.svg.contains("style") && !chart.svg.contains("<script"), "CSP: presentation attributes only")
            #expect(!chart.svg.lowercased().contains("nan") && !chart.svg.contains("inf"))
            #expect(
                chart.svg.contains("class=\"x-label\"") && chart.svg.contains("class=\"y-label\"")
                    || chart.svg.contains("each panel has its own"))
            #expect(!chart.table.caption.isEmpty && !chart.table.header.isEmpty && !chart.table.rows.isEmpty)
            #expect(chart.table.rows.allSatisfy { $0.count == chart.table.header.count })
            let ids = attributeValues("id", in: chart.svg)
            #expect(ids.allSatisfy { $0.hasPrefix("audience") }, "\(ids)")
            #expect(Set(ids).count == ids.count, "ids are unique: \(ids)")
        }
    }

    @Test func standaloneDocumentHasAPrologASizeAndAWhiteBackground() {
        let chart = Chart.stackedArea(Samples.audience(days: 30))
        let file = chart.standaloneDocument()
        #expect(file.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg width=\"960\" height=\"360\" "))
        #expect(file.contains("<rect width=\"960\" height=\"360\" fill=\"#FFFFFF\"/>"))
        let title = file.range(of: "<title")!.lowerBound, background = file.range(of: "fill=\"#FFFFFF\"")!.lowerBound
        #expect(title < background, "the accessible name comes first")
    }

    @Test func sameInputSameBytes() {
        let spec = Samples.audience(days: 90)
        #expect(Samples.everyKind(spec) == Samples.everyKind(spec))
    }

    @Test func hostileTextIsEscapedAndIdsSanitized() {
        let hostile = #"<script>alert("x")</script> & 'q' ]]> \#u{0}\#u{7}"#
        var spec = Samples.audience(days: 20, id: #"x"><svg onload=alert(1)>"#, title: hostile)
        spec.summary = hostile
        spec.yLabel = hostile
        spec.series[0].name = hostile
        spec.series[1].id = hostile
        spec.markers[0].label = hostile
        for chart in Samples.everyKind(spec) {
            #expect(xmlError(chart.svg) == nil)
            #expect(!chart.svg.contains("<script") && !chart.svg.contains("onload=") && !chart.svg.contains("\"x\""))
            #expect(chart.svg.contains("&lt;script&gt;"))
            #expect(!chart.svg.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
            for id in attributeValues("id", in: chart.svg) {
                #expect(
                    id.unicodeScalars.allSatisfy {
                        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
                    }, "\(id)")
            }
        }
        #expect(SVGText.identifier("") == "c" && SVGText.identifier("9lives") == "c9lives")
        #expect(SVGText.escape("a\u{FFFE}b\u{85}c") == "abc")
    }

    @Test func twoChartsOnOnePageNeverShareAnId() {
        let first = Chart.stackedArea(Samples.audience(days: 10, id: "overview-audience"))
        let second = Chart.stackedArea(Samples.audience(days: 10, id: "streams-audience"))
        let ids = attributeValues("id", in: first.svg) + attributeValues("id", in: second.svg)
        #expect(Set(ids).count == ids.count)
    }
}
