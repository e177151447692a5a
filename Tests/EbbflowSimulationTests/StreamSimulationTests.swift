// `simulate --streams` end to end: the example streams under the personas' business events, and the laws they keep.
import EbbflowCore
import EbbflowSimulation
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite(.serialized) struct StreamSimulationTests {
    static let exampleStreams = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/streams.yaml")

    /// 1,500 contacts over 45 days with `examples/streams.yaml`: every journey gets contacts
    /// (signups, purchases, returns, tickets, birthdays, page visits), the membership rows add up
    /// to the audience, the engine's laws hold with streams and flows sharing the cap, and no
    /// stream mails a contact after one of its exit events ended the membership.
    @Test func exampleStreamsRunAndKeepTheLaws() async throws {
        var options = SimulationOptions()
        options.contacts = 1_500
        options.days = 45
        options.streams = try Data(contentsOf: Self.exampleStreams)
        options.appeal = ["promo_offer": 2.5, "promo_offer_reminder": 2.5]
        let result = try await SimulationRunTests().simulate(options, workers: 2) { connection, schema in
            try await SimulationRunTests.checkLaws(connection, schema)
            let s = schema.quoted
            let afterExit = try await connection.query(
                """
                SELECT count(*) AS n FROM \(s).stream_decisions d
                JOIN \(s).sends x ON x.contact_id = d.contact_id AND x.flow = d.previous AND x.at >= d.at
                WHERE d.trigger LIKE 'exit:%'
                  AND NOT EXISTS (SELECT 1 FROM \(s).stream_decisions r WHERE r.contact_id = d.contact_id AND r.chosen = d.previous AND r.id > d.id)
                """
            ).first!.decode("n", as: Int.self)
            #expect(afterExit == 0, "stream sends after an exit ended the membership")
            let businessKinds = try await connection.query(
                """
                SELECT count(DISTINCT kind) AS n FROM \(s).engagement_events WHERE kind IN ('signup', 'purchase', 'product_return', 'support_ticket')
                """
            ).first!.decode("n", as: Int.self)
            #expect(businessKinds == 4, "the personas made every kind of business event")
        }
        #expect(
            result.streams == [
                "birthday", "post_purchase", "post_return", "promo_content", "promo_offer", "support_follow_up",
                "welcome",
            ])
        #expect(result.streamRows.count == 45)
        for row in result.streamRows {
            #expect(
                row.members.count == result.streams.count && row.members.reduce(row.none, +) == 1_500,
                "day \(row.day): \(row)")
        }
        for totals in result.streamTotals {
            #expect(totals.entered > 0, "\(totals.stream) got contacts")
        }
        #expect(result.streamTotals.first { $0.stream == "welcome" }!.sends > 0)
        #expect(
            result.streamRows.reduce(0) { $0 + $1.returns } > 0 && result.streamRows.reduce(0) { $0 + $1.purchases } > 0
        )
        let csv = StreamCSV.render(result.streamRows, streams: result.streams)
        #expect(
            csv.hasPrefix(
                "day,date,birthday,post_purchase,post_return,promo_content,promo_offer,support_follow_up,welcome,none,purchases,returns,tickets\n"
            ))
        let chart = StreamChart.chart(
            result.streamRows, streams: result.streams, campaigns: result.campaigns, title: "streams")
        #expect(chart.svg.components(separatedBy: "<path").count - 1 == 14, "an area and a line in each of 7 panels")
        #expect(chart.svg.contains(">support_follow_up</text>"))
        #expect(Array(chart.table.header.dropFirst().prefix(result.streams.count)) == result.streams)
        #expect(result.summary.streamSends == result.streamTotals.reduce(0) { $0 + $1.sends })
        #expect(result.summary.staticListSends == result.summary.staticCampaignSends + result.summary.streamSends)
    }
}
