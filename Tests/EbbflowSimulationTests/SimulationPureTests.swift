import Foundation
import Testing

// The simulator's pure parts: seeded streams, personas, CSV, the audience and stream charts, the summary and the weekly table.
@testable import EbbflowSimulation

@Suite struct SeededRandomTests {
    @Test func deriveIsDeterministicAndKeyedByEveryPart() {
        var first = SeededRandom.derive(seed: 7, 1, 2, 3)
        var second = SeededRandom.derive(seed: 7, 1, 2, 3)
        let stream = (0..<64).map { _ in first.next() }
        #expect(stream == (0..<64).map { _ in second.next() })
        var swapped = SeededRandom.derive(seed: 7, 3, 2, 1)
        var longer = SeededRandom.derive(seed: 7, 1, 2, 3, 0)
        var reseeded = SeededRandom.derive(seed: 8, 1, 2, 3)
        #expect(swapped.next() != stream[0], "the order of the parts matters")
        #expect(longer.next() != stream[0], "the number of the parts matters")
        #expect(reseeded.next() != stream[0], "the seed matters")
        var array = SeededRandom.derive(seed: 7, parts: [1, 2, 3])
        #expect(array.next() == stream[0])
    }

    @Test func unitAndChance() {
        var random = SeededRandom(seed: 1)
        var total = 0.0
        for _ in 0..<10_000 {
            let value = random.unit()
            #expect(value >= 0 && value < 1)
            total += value
        }
        #expect(abs(total / 10_000 - 0.5) < 0.02)
        let never = [random.chance(0), random.chance(-1), random.chance(.nan)]
        let always = random.chance(1)
        #expect(never == [false, false, false])
        #expect(always)
    }
}

@Suite struct PersonaTests {
    let dormant = Persona.defaults.first { $0.name == "dormant" }
    let lateWaker = Persona.defaults.first { $0.name == "late_waker" }

    @Test func defaultsAreFiveWithSharesSummingToOne() {
        #expect(Persona.defaults.map(\.name) == ["responsive", "occasional", "fading", "dormant", "late_waker"])
        #expect(abs(Persona.defaults.reduce(0) { $0 + $1.share } - 1) < 1e-9)
        #expect(Persona.defaults.first { $0.name == "fading" }?.fadePerSend == 0.5)
        #expect(lateWaker?.wakesAfterDays == 60)
    }

    @Test func assignmentIsDeterministicAndFollowsShares() {
        var counts: [String: Int] = [:]
        for index in 0..<20_000 {
            let persona = Persona.assign(contactIndex: index, seed: 42, personas: Persona.defaults)
            #expect(persona == Persona.assign(contactIndex: index, seed: 42, personas: Persona.defaults))
            counts[persona.name, default: 0] += 1
        }
        for persona in Persona.defaults {
            #expect(abs(Double(counts[persona.name, default: 0]) / 20_000 - persona.share) < 0.02, "\(persona.name)")
        }
        #expect(
            Persona.assign(contactIndex: 3, seed: 42, personas: [])
                == Persona.assign(contactIndex: 3, seed: 42, personas: Persona.defaults))
        let noShares = Persona.defaults.map { persona -> Persona in
            var persona = persona
            persona.share = 0
            return persona
        }
        #expect(noShares.contains(Persona.assign(contactIndex: 3, seed: 42, personas: noShares)))
    }

    @Test func reactionsAreDeterministicAndWellOrdered() {
        guard let responsive = Persona.defaults.first else { Issue.record("no personas"); return }
        var reacted = 0
        for contact in Int64(1)...2_000 {
            let reactions = responsive.reactions(
                toSendID: contact * 31, contactID: contact, sendsSoFar: 2, day: 10, seed: 42)
            #expect(
                reactions
                    == responsive.reactions(
                        toSendID: contact * 31, contactID: contact, sendsSoFar: 2, day: 10, seed: 42))
            #expect(
                responsive.spontaneous(contactID: contact, day: 5, seed: 42)
                    == responsive.spontaneous(contactID: contact, day: 5, seed: 42))
            #expect(reactions.filter { $0.kind == .open }.count <= 1, "one open event per send")
            #expect(reactions.map(\.delayMinutes) == reactions.map(\.delayMinutes).sorted(), "in time order")
            if let click = reactions.firstIndex(where: { $0.kind == .click }) {
                #expect(reactions[..<click].contains { $0.kind == .open }, "a click comes after an open")
            }
            if reactions.contains(where: { $0.kind == .high_intent_visit }) {
                #expect(reactions.contains { $0.kind == .click }, "a high-intent visit follows a click")
            }
            if !reactions.isEmpty { reacted += 1 }
        }
        #expect(reacted > 0)
    }

    @Test func dormantNeverReacts() throws {
        let dormant = try #require(dormant)
        for contact in Int64(1)...5_000 {
            let day = Int(contact % 365)
            #expect(
                dormant.reactions(toSendID: contact * 7, contactID: contact, sendsSoFar: 0, day: day, seed: 42).isEmpty)
            #expect(dormant.spontaneous(contactID: contact, day: day, seed: 42) == nil)
        }
    }

    @Test func lateWakerSleepsUntilItsDay() throws {
        let lateWaker = try #require(lateWaker)
        var awake = 0
        for contact in Int64(1)...3_000 {
            #expect(
                lateWaker.reactions(toSendID: contact, contactID: contact, sendsSoFar: 0, day: 59, seed: 42).isEmpty)
            #expect(lateWaker.spontaneous(contactID: contact, day: 59, seed: 42) == nil)
            if !lateWaker.reactions(toSendID: contact, contactID: contact, sendsSoFar: 0, day: 60, seed: 42).isEmpty {
                awake += 1
            }
        }
        #expect(awake > 0)
    }

    @Test func fadingOpensLessWithEverySend() throws {
        let fading = try #require(Persona.defaults.first { $0.name == "fading" })
        func humanOpens(after sends: Int) -> Int {
            (Int64(1)...5_000).filter { contact in
                fading.reactions(toSendID: contact, contactID: contact, sendsSoFar: sends, day: 0, seed: 9)
                    .contains { $0.kind == .open && !$0.machineOpen }
            }.count
        }
        #expect(humanOpens(after: 3) < humanOpens(after: 0) / 4)
    }

    @Test func codableWithSnakeCaseKeysAndDefaults() throws {
        let decoded = try JSONDecoder().decode([Persona].self, from: JSONEncoder().encode(Persona.defaults))
        #expect(decoded == Persona.defaults)
        let minimal =
            #"{"name":"x","share":1,"open_odds":0.1,"click_odds":0.1,"high_intent_visit_odds":0,"spontaneous_daily_odds":0,"machine_open_odds":0}"#
        let persona = try JSONDecoder().decode(Persona.self, from: Data(minimal.utf8))
        #expect(persona.fadePerSend == 1 && persona.wakesAfterDays == nil)
    }
}

@Suite struct SimulationOutputTests {
    static func rows(days: Int) -> [DailyRow] {
        (0..<days).map { day in
            DailyRow(
                day: day, date: "2026-01-\(day % 28 + 1)", active: 2_000 - day * 5, engaged: day * 2, inactive: day * 2,
                reactivated: day / 2, suppressed: day / 4, movedToAds: day / 4, sends: 600, opens: 150, clicks: 20)
        }
    }

    @Test func csvHeaderAndLines() {
        let csv = SimulationCSV.render(Self.rows(days: 180))
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            lines.first == "day,date,active,engaged,inactive,reactivated,suppressed,moved_to_ads,sends,opens,clicks")
        #expect(lines.count == 182 && lines.last == "", "header, 180 rows, and a final line ending")
        #expect(lines[1] == "0,2026-01-1,2000,0,0,0,0,0,600,150,20")
        #expect(!csv.contains("\r"))
        #expect(
            Self.rows(days: 1)[0].audience == 2_000
                && DailyRow(day: 0, date: "", active: .max, engaged: 1).audience == .max)
        #expect(SimulationCSV.render([]) == SimulationCSV.header + "\n")
        #expect(SimulationCSV.render([DailyRow(day: 1, date: "a,\"b\"")]).contains("1,\"a,\"\"b\"\"\",0"))
    }

    @Test func audienceChartHasDatesSixBandsAndCampaignMarkers() {
        let campaigns = [0, 14, 28].map {
            CampaignStart(day: $0, date: "2026-01-\($0 + 1)", segments: ["retail", "b2b"])
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        let rows = Self.rows(days: 180).map { row in
            var dated = row
            dated.date = formatter.string(from: Date(timeIntervalSince1970: 1_767_225_600 + Double(row.day) * 86_400))
            return dated
        }
        let chart = AudienceChart.chart(rows, campaigns: campaigns, title: "Audience <A & B>")
        let file = chart.standaloneDocument()
        #expect(file.hasPrefix("<?xml") && chart.svg.hasPrefix("<svg"))
        #expect(
            file.contains("xmlns=\"http://www.w3.org/2000/svg\"") && file.contains("width=\"960\"")
                && file.contains("height=\"540\""))
        #expect(chart.svg.components(separatedBy: "<path").count - 1 == 6)
        for id in ["active", "reactivated", "engaged", "inactive", "ads", "suppressed"] {
            #expect(chart.svg.contains("id=\"audience-series-\(id)\""))
        }
        #expect(
            chart.table.header == [
                "Date (UTC)", "active", "reactivated", "engaged", "inactive", "ads", "suppressed", "Markers",
            ])
        #expect(chart.table.rows[0].first == "Jan 1 2026" && chart.table.rows[14].last == "2 campaigns (retail, b2b)")
        #expect(chart.svg.contains(">Feb 2026</text>") && !chart.svg.contains(">day<"), "dates, never day numbers")
        #expect(chart.svg.contains(">contacts</text>") && chart.svg.contains(">date (UTC)</text>"))
        #expect(chart.svg.components(separatedBy: "stroke-dasharray").count - 1 == 3, "one marker per campaign start")
        #expect(chart.svg.contains("Audience &lt;A &amp; B&gt;") && !chart.svg.contains("<A & B>"))
        #expect(!chart.svg.lowercased().contains("nan") && !chart.svg.contains("inf") && !chart.svg.contains("style"))
        #expect(file.hasSuffix("</svg>\n"))
    }

    @Test func audienceChartEdgeCases() {
        let empty = AudienceChart.chart([], title: "empty")
        #expect(empty.svg.contains("No data yet") && empty.svg.hasSuffix("</svg>\n"))
        let one = AudienceChart.chart(Array(Self.rows(days: 1)), title: "one")
        let zeros = AudienceChart.chart((0..<30).map { DailyRow(day: $0, date: "d") }, title: "zeros")
        let extreme = AudienceChart.chart(
            [
                DailyRow(day: .min, date: "x", active: .max, engaged: .max, inactive: -4),
                DailyRow(day: .max, date: "y", suppressed: .max),
            ], campaigns: [CampaignStart(day: .max, date: "z", segments: [])], title: "\u{0}extreme")
        for chart in [one, zeros, extreme] {
            #expect(chart.svg.components(separatedBy: "<path").count - 1 == 6)
            #expect(!chart.svg.lowercased().contains("nan") && !chart.svg.contains("inf"))
            #expect(!chart.svg.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        }
        #expect(
            zeros.table.rows.count == 30 && zeros.table.rows[1][0] == "Jan 2 1970", "no dates: placed by day number")
    }

    @Test func streamChartIsOnePanelPerStreamOnItsOwnScale() {
        let rows = (0..<20).map { StreamDailyRow(day: $0, date: "2026-01-\($0 + 5)", members: [4_000, 40], none: 10) }
        let chart = StreamChart.chart(rows, streams: ["welcome", "birthday"], title: "streams")
        #expect(chart.svg.contains(">welcome</text>") && chart.svg.contains(">birthday</text>"))
        #expect(chart.svg.contains(">4,000</text>") && chart.svg.contains(">40</text>"), "each panel its own scale")
        #expect(chart.table.header == ["Date (UTC)", "welcome", "birthday"] && chart.table.rows[0][0] == "Jan 5 2026")
        let ragged = StreamChart.chart(
            [StreamDailyRow(day: 0, date: "2026-01-05", members: [1], none: 0)], streams: ["a", "b"], title: "r")
        #expect(ragged.table.rows == [["Jan 5 2026", "1", "–"]])
    }

    @Test func weeklyTable() {
        let table = WeeklyTable.render(Self.rows(days: 180))
        let lines = table.split(separator: "\n")
        #expect(lines.count == 1 + 26, "a header and 26 weeks, the last one short")
        #expect(lines[0].hasPrefix("week"))
        #expect(Set(lines.map(\.count)).count == 1, "fixed width: every line as long as the header")
        let firstWeek = lines[1].split(separator: " ")
        #expect(
            firstWeek.prefix(4) == ["1", "0-6", "2026-01-7", "1970"], "week, days, end date, active at the week's end")
        #expect(firstWeek.suffix(3) == ["4200", "1050", "140"], "sends, opens, clicks summed over the week")
        #expect(lines[26].contains("175-179"))
        #expect(WeeklyTable.render([]).split(separator: "\n").count == 1)
        #expect(table.hasSuffix("\n"))
    }
}

@Suite struct SimulationSummaryTests {
    static func summary(streamSends: Int) -> SimulationSummary {
        SimulationSummary(
            contacts: 1_000, days: 90, campaignSends: 9_000, streamSends: streamSends, staticCampaignSends: 21_000,
            engagement: .init(
                humanOpens: 4_000, clicks: 700, engagedContacts: 620, reachableByEmail: 900, movedToAds: 60,
                suppressed: 40),
            wentInactive: 200, reactivated: 50, medianDaysToEngage: 4.3, finalDay: nil)
    }

    @Test func theStaticListMakesTheSameStreamSends() {
        let summary = Self.summary(streamSends: 3_000)
        #expect(summary.sends == 12_000 && summary.staticListSends == 24_000)
        #expect(summary.sendsSavedFraction == 0.5, "stream sends count on both sides: only campaign sends are saved")
        let text = summary.text
        for part in [
            "1000 contacts over 90 simulated days",
            """
            sends: 12000 (9000 campaign, 3000 stream) against 24000 for a static list that mails everyone \
            at every campaign step and makes the same stream sends (50.0 % saved)
            """,
            """
            engagement reached: 4000 human opens, 700 clicks; 620 contacts (62.0 %) engaged at least once; \
            900 (90.0 %) still reachable by email at the end (60 moved to ads, 40 suppressed)
            """,
            "engagement a static list reaches: not simulated",
            "reactivation: 50 of 200 contacts that went inactive came back (25.0 %)",
            "median time from first send to engaged: 4.3 days",
        ] {
            #expect(text.contains(part), "\(part)\n---\n\(text)")
        }
    }

    @Test func withoutStreamsAndWithNothing() {
        #expect(
            Self.summary(streamSends: 0).text.contains(
                "sends: 9000 (all campaign) against 21000 for a static list that mails everyone at every campaign step (57.1 % saved)"
            ))
        let nothing = SimulationSummary(
            contacts: 0, days: 0, campaignSends: 0, streamSends: 0, staticCampaignSends: 0,
            engagement: .init(
                humanOpens: 0, clicks: 0, engagedContacts: 0, reachableByEmail: 0, movedToAds: 0, suppressed: 0),
            wentInactive: 0, reactivated: 0, medianDaysToEngage: nil, finalDay: nil)
        #expect(nothing.text.contains("(0.0 % saved)") && nothing.text.contains("n/a (nobody engaged)"))
        #expect(!nothing.text.lowercased().contains("nan"))
    }
}
