import Foundation
import Testing

// The simulator's pure parts: seeded streams, personas, CSV, the audience chart and the weekly table.
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

    @Test func chartIsAWellFormedLookingSVG() {
        let svg = AudienceChart.svg(Self.rows(days: 180), title: "Audience <A & B>")
        #expect(svg.hasPrefix("<?xml") || svg.hasPrefix("<svg"))
        #expect(
            svg.contains("xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains("width=\"960\"")
                && svg.contains("height=\"540\""))
        #expect(svg.components(separatedBy: "<path").count - 1 == 5)
        for id in ["active", "reactivated", "engaged", "inactive", "suppressed-ads"] {
            #expect(svg.contains("id=\"series-\(id)\""))
        }
        #expect(svg.contains("suppressed / ads") && svg.contains(">day<") && svg.contains(">contacts<"))
        #expect(svg.contains("Audience &lt;A &amp; B&gt;") && !svg.contains("<A & B>"))
        #expect(!svg.lowercased().contains("nan") && !svg.lowercased().contains("inf"))
        #expect(svg.hasSuffix("</svg>\n"))
    }

    @Test func chartEdgeCases() {
        let empty = AudienceChart.svg([], title: "empty")
        #expect(empty.hasPrefix("<?xml") && empty.contains("no data") && empty.hasSuffix("</svg>\n"))
        let one = AudienceChart.svg(Array(Self.rows(days: 1)), title: "one")
        let zeros = AudienceChart.svg((0..<30).map { DailyRow(day: $0, date: "d") }, title: "zeros")
        let extreme = AudienceChart.svg(
            [
                DailyRow(day: .min, date: "x", active: .max, engaged: .max, inactive: -4),
                DailyRow(day: .max, date: "y", suppressed: .max),
            ], title: "\u{0}extreme")
        for svg in [one, zeros, extreme] {
            #expect(svg.components(separatedBy: "<path").count - 1 == 5)
            #expect(!svg.lowercased().contains("nan") && !svg.lowercased().contains("inf"))
            #expect(!svg.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        }
    }

    @Test func numbersAreLocaleFreeWithOneDecimalAtMost() {
        #expect(StackedAreaChart.number(1.25) == "1.3")
        #expect(StackedAreaChart.number(-0.4) == "-0.4" && StackedAreaChart.number(-0.04) == "0")
        #expect(
            StackedAreaChart.number(12) == "12" && StackedAreaChart.number(.nan) == "0"
                && StackedAreaChart.number(.infinity) == "0")
        #expect(StackedAreaChart.contacts(1_500, scale: 2_000) == "1,500")
        #expect(
            StackedAreaChart.contacts(12_500, scale: 15_000) == "12.5k"
                && StackedAreaChart.contacts(0, scale: 15_000) == "0")
        for maximum in [1.0, 7, 26, 260, 2_000, 5_200, 123_456] {
            let ticks = StackedAreaChart.niceTicks(maximum: maximum)
            #expect((5...6).contains(ticks.count), "\(maximum): \(ticks)")
            #expect((ticks.last ?? 0) >= maximum)
        }
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
