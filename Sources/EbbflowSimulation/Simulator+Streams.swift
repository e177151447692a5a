// The simulator's stream side: business events from the personas, and stream membership counted each day.
import EbbflowEngine
import Foundation
import PostgresClient

extension Simulator {
    /// Whether this run has streams: only then do personas sign up, buy, return and write to
    /// support, so a run without streams gives exactly the numbers it gave before streams existed.
    var runsStreams: Bool { options.streams != nil }

    /// The business events that follow a send's reactions: a click may lead to a purchase, and a
    /// purchase may come back. `sendKey` is the send's stable key, `clickAt` when the click
    /// happened.
    func commerce(afterClickOn sendKey: UInt64, clickAt: Date, persona: Persona, index: Int) -> [PendingEvent] {
        let contactID = Int64(index + 1)
        guard let delay = persona.purchase(afterClickOn: sendKey, contactID: contactID, seed: options.seed) else {
            return []
        }
        let purchaseKey = sendKey ^ 0x7075_7263_6861_7365 // "purchase": apart from the send's own key
        let at = clickAt.addingTimeInterval(Double(delay) * 60)
        return purchaseAndReturn(at: at, key: purchaseKey, providerID: "buy-\(sendKey)", persona: persona, index: index)
    }

    /// The business events contact `index` makes of its own accord on `day` (starting at
    /// `midnight`): its signup on its signup day, a purchase (and perhaps its return), a ticket.
    func dailyCommerce(day: Int, midnight: Date, persona: Persona, index: Int) -> [PendingEvent] {
        let externalID = Self.externalID(index)
        var events: [PendingEvent] = []
        if day == Persona.signupDay(contactIndex: index, seed: options.seed, within: options.signupDays) {
            events.append(
                PendingEvent(
                    externalID: externalID, kind: .signup, machineOpen: false,
                    occurredAt: midnight.addingTimeInterval(Double(60 + index % 1_200) * 60),
                    providerID: "signup-\(index)"))
        }
        for reaction in persona.commerce(contactID: Int64(index + 1), day: day, seed: options.seed) {
            let at = midnight.addingTimeInterval(Double(reaction.delayMinutes) * 60)
            if reaction.kind == .purchase {
                events += purchaseAndReturn(
                    at: at, key: Self.stableKey("purchase", 0, index, day), providerID: "self-buy-\(index)-\(day)",
                    persona: persona, index: index)
            } else {
                events.append(
                    PendingEvent(
                        externalID: externalID, kind: reaction.kind, machineOpen: false, occurredAt: at,
                        providerID: "ticket-\(index)-\(day)"))
            }
        }
        return events
    }

    private func purchaseAndReturn(at: Date, key: UInt64, providerID: String, persona: Persona, index: Int)
        -> [PendingEvent]
    {
        let externalID = Self.externalID(index)
        var events = [
            PendingEvent(
                externalID: externalID, kind: .purchase, machineOpen: false, occurredAt: at, providerID: providerID)
        ]
        if let delay = persona.returnDelay(ofPurchase: key, contactID: Int64(index + 1), seed: options.seed) {
            events.append(
                PendingEvent(
                    externalID: externalID, kind: .product_return, machineOpen: false,
                    occurredAt: at.addingTimeInterval(Double(delay) * 60), providerID: "return-\(providerID)"))
        }
        return events
    }

    /// The stored streams' names, in the chart's order; none when the run has no streams.
    func streamNames(_ connection: PGConnection) async throws -> [String] {
        guard runsStreams else { return [] }
        return try await connection.query(sql.streamNames).rows.map { try $0.decode("name") }
    }

    /// Today's membership per stream in `streams`' order, the rest in `none`, and today's
    /// business events (those just imported, `arrived`).
    func streamRow(day: Int, date: String, streams: [String], arrived: [PendingEvent], _ connection: PGConnection)
        async throws -> StreamDailyRow
    {
        var counts: [String: Int] = [:]
        for row in try await connection.query(sql.streamMembers).rows {
            counts[try row.decode("stream")] = try row.decode("n")
        }
        let members = streams.map { counts[$0] ?? 0 }
        return StreamDailyRow(
            day: day, date: date, members: members, none: max(0, options.contacts - members.reduce(0, +)),
            purchases: arrived.filter { $0.kind == .purchase }.count,
            returns: arrived.filter { $0.kind == .product_return }.count,
            tickets: arrived.filter { $0.kind == .support_ticket }.count)
    }

    /// What each stream did over the run.
    func streamTotals(_ connection: PGConnection) async throws -> [StreamTotals] {
        guard runsStreams else { return [] }
        return try await connection.query(sql.streamTotals).rows.map { row in
            StreamTotals(
                stream: try row.decode("stream"), entered: try row.decode("entered"), exited: try row.decode("exited"),
                movedOut: try row.decode("moved_out"), sends: try row.decode("sends"), goals: try row.decode("goals"))
        }
    }
}
