// Runs the whole engine over simulated days: contacts, campaigns, real workers, events from personas.
import EbbflowCore
import EbbflowEngine
import EbbflowQueue
import Foundation
import Logging
import PostgresClient

/// What a simulation is asked to do.
public struct SimulationOptions: Sendable {
    public var contacts = 2_000
    public var days = 120
    public var workers = 2
    public var concurrency = 8
    public var seed: UInt64 = 42
    /// A policy document (the text `ebbflow policy set` takes), or nil for the defaults.
    public var policy: Data?
    public var personas = Persona.defaults
    public var segments = ["retail", "b2b", "travel"]
    /// A new three-send campaign per segment every this many days (each send 3 days apart).
    public var campaignEveryDays = 14
    public var campaignSends = 3
    public var campaignSendEveryDays = 3
    /// Day 0, a Monday at midnight UTC, so weeks in the table start on Mondays.
    public var start = Date(timeIntervalSince1970: 1_767_571_200) // 2026-01-05T00:00:00Z
    /// Kill one worker process on this day (tests: the numbers must not change).
    public var killWorkerOnDay: Int?
    public var leaseSeconds = 3.0
    /// A stream document (the text `ebbflow streams apply` takes), or nil for a run without
    /// streams. With streams, personas also sign up, buy, return products and open tickets.
    public var streams: Data?
    /// How much more (or less) each template's sends are clicked than a persona's usual, by
    /// template name (1 when absent): the true difference between streams the arbiter must find.
    public var appeal: [String: Double] = [:]
    /// With streams, each contact's `signup` event comes on a day drawn within this many first days.
    public var signupDays = 14
    public init() {}
}

/// One progress report, after each simulated day.
public struct SimulationProgress: Sendable {
    public var day: Int
    public var days: Int
    public var jobsDone: Int
    public var jobsPerSecond: Double
    public var row: DailyRow
}

/// What a simulation produced.
public struct SimulationResult: Sendable {
    public var rows: [DailyRow]
    public var summary: SimulationSummary
    /// With streams: their names (the order of `streamRows`' members), membership per day, and
    /// what each stream did. Empty without streams.
    public var streams: [String] = []
    public var streamRows: [StreamDailyRow] = []
    public var streamTotals: [StreamTotals] = []
    /// The days campaigns started, for the charts' markers.
    public var campaigns: [CampaignStart] = []
}

/// The driver. Why the loop looks like this: the database clock stops at each day's midnight
/// and at each daily schedule's tick; at each stop the engagement that happened before it is
/// imported through `EventImporter` (the path real events take), then the due work (flow
/// steps, cycle steps, sweeps by schedule) is done by the worker processes, and the sends it
/// decided are turned into later events by the personas' odds.
/// Every random draw is derived from (seed, contact, campaign step or day), never from ids or
/// timing, so the same seed gives the same numbers with 1 or 3 workers.
public struct Simulator: Sendable {
    let options: SimulationOptions
    let database: PGConfiguration
    let schema: SchemaName
    let sql: SimulationSQL
    let logger: Logger

    public init(
        options: SimulationOptions, database: PGConfiguration, schema: SchemaName,
        logger: Logger = Logger(label: "ebbflow.simulate")
    ) {
        self.options = options
        self.logger = logger
        self.database = database
        self.schema = schema
        sql = SimulationSQL(schema: schema)
    }

    /// Makes the schema this run's own: creates it with the simulation mark when it does not
    /// exist, recreates it when it carries the mark, and refuses anything else with one line
    /// naming it. Why so strict: `--schema myapp` once dropped a user's tables; a schema
    /// that ebbflow did not create is never dropped, whatever it holds. The check here gives
    /// the refusal its message; the drop checks the mark again, atomically (`dropMarked`).
    func claimSchema(on connection: PGConnection) async throws {
        let name = schema.name
        guard name != "public" else {
            throw SimulationError("schema \"public\" is never used by simulate: choose another --schema")
        }
        let (sql, mark) = (self.sql, SimulationSQL.mark)
        try await connection.withTransaction { connection in
            let row = try connection.query(sql.schemaState, [name, mark]).first!
            let (present, marked) = (try row.decode("present", as: Bool.self), try row.decode("marked", as: Bool.self))
            guard !present || marked else {
                throw SimulationError(
                    "schema \"\(name)\" exists and was not created by ebbflow simulate; refusing to drop it: choose another --schema"
                )
            }
            if present {
                _ = try connection.query(sql.dropTarget, [name, mark])
                _ = try connection.execute(sql.dropMarked)
            }
            for statement in sql.createMarked { _ = try connection.execute(statement) }
        }
    }

    /// Recreates the schema if ebbflow made it as a simulation (refuses any other existing
    /// schema, and `public` always), then migrates a fresh simulation schema and loads the
    /// contacts with COPY.
    public func prepare(on connection: PGConnection) async throws {
        try await claimSchema(on: connection)
        _ = try await Migrator(schema: schema, logger: logger).migrate(on: connection, simulation: true)
        let (start, contacts, segments, copy) = (options.start, options.contacts, options.segments, sql.copyContacts)
        let (seed, personas) = (options.seed, options.personas)
        try await connection.run { connection in
            // The schedules were installed by the real clock: their first ticks come back to day 0,
            // in the clock move's own transaction (as `clock set` does), so no failure between the
            // two leaves a frozen clock with schedules that never fire.
            try connection.withTransactionSync { try ClockControl(schema: schema).move(.set(start), on: connection) }
            _ = try connection.withTransactionSync {
                try connection.copyIn(copy) { writer in
                    let at = ISO8601DateFormatter().string(from: start)
                    for index in 0..<contacts {
                        let persona = Persona.assign(contactIndex: index, seed: seed, personas: personas)
                        let externalID = Self.externalID(index)
                        let birthday = Persona.birthday(contactIndex: index, seed: seed)
                        try writer.appendRow([
                            externalID, "\(externalID)@example.com", segments[index % segments.count],
                            "{\"persona\": \"\(persona.name)\", \"birthday\": \"\(birthday)\"}", at, at,
                        ])
                    }
                }
            }
        }
        if let policy = options.policy {
            _ = try await connection.run { try PolicyStore(schema: schema).save(policy, on: $0) }
        }
        if let streams = options.streams {
            _ = try await connection.withTransaction { try StreamStore(schema: schema).apply(streams, on: $0) }
        }
    }

    static func externalID(_ index: Int) -> String { "c" + String(format: "%07d", index + 1) }

    /// Runs the days with `fleet`'s workers (already started) and returns the daily rows.
    public func run(
        on connection: PGConnection, fleet: WorkerFleet,
        progress: @Sendable (SimulationProgress) -> Void = { _ in }
    ) async throws -> SimulationResult {
        let contacts = options.contacts
        let personas = (0..<contacts).map {
            Persona.assign(contactIndex: $0, seed: options.seed, personas: options.personas)
        }
        var sendsSoFar = [Int](repeating: 0, count: contacts)
        var pending: [PendingEvent] = []
        var lastSendID: Int64 = 0
        var rows: [DailyRow] = []
        let streams = try await streamNames(connection)
        var streamRows: [StreamDailyRow] = []
        var campaigns: [CampaignStart] = []
        let started = ContinuousClock.now
        let importer = EventImporter(schema: schema)
        let isoFormatter = ISO8601DateFormatter()
        let dayFormatter = DateFormatter()
        dayFormatter.locale = Locale(identifier: "en_US_POSIX")
        dayFormatter.timeZone = TimeZone(identifier: "UTC")
        dayFormatter.dateFormat = "yyyy-MM-dd"

        for day in 0..<options.days {
            let now = options.start.addingTimeInterval(Double(day) * 86_400)
            var row = DailyRow(day: day, date: dayFormatter.string(from: now))
            var arrived: [PendingEvent] = []

            // The clock moves to each stop of the day and engagement arrives through the import
            // path real events take: every event that happened before the stop's time and has not
            // arrived yet. Both commit in one transaction: a worker polling between a clock move
            // and a later import would run a send due at the stop before the engagement that
            // should have stopped it (a randomized run caught one such send).
            func moveClockAndImport(to clock: Date) async throws {
                let setClock: @Sendable (isolated PGConnection) throws -> Void = { [schema] in
                    try DatabaseClock(schema: schema).set(clock, on: $0)
                }
                let due = pending.filter { $0.occurredAt < clock }
                guard !due.isEmpty else {
                    try await connection.run { try setClock($0) }
                    return
                }
                pending.removeAll { $0.occurredAt < clock }
                let text = due.sorted { ($0.occurredAt, $0.providerID) < ($1.occurredAt, $1.providerID) }.map {
                    $0.ndjson(isoFormatter)
                }.joined(separator: "\n")
                let report = try await importer.importEvents(
                    text, format: .ndjson, batchSize: due.count, inEachBatch: setClock, on: connection)
                guard report.rejected.isEmpty else {
                    throw SimulationError(
                        "event import rejected \(report.rejected.count) line(s): \(report.rejected[0])")
                }
                row.opens += due.filter { $0.kind == .open }.count
                row.clicks += due.filter { $0.kind == .click }.count
                arrived += due
            }

            // The sends a stop made meet the personas: their reactions become later events.
            func reactToNewSends() async throws {
                let sends = try await connection.query(sql.newSends, [lastSendID]).rows
                for send in sends {
                    let id: Int64 = try send.decode("id")
                    lastSendID = max(lastSendID, id)
                    let contactID: Int64 = try send.decode("contact_id")
                    let index = Int(contactID - 1)
                    guard index >= 0 && index < contacts else { continue }
                    let flow: String = try send.decode("flow")
                    let step: Int = try send.decode("step")
                    let at: Date = try send.decode("at")
                    let key = Self.stableKey(flow, step, index, day)
                    let appeal = options.appeal[try send.decode("template", as: String.self)] ?? 1
                    let reactions = personas[index].reactions(
                        toSendID: Int64(bitPattern: key), contactID: contactID,
                        sendsSoFar: sendsSoFar[index], day: day, seed: options.seed, appeal: appeal)
                    sendsSoFar[index] += 1
                    for (n, reaction) in reactions.enumerated() {
                        let occurredAt = at.addingTimeInterval(Double(reaction.delayMinutes) * 60)
                        pending.append(
                            PendingEvent(
                                externalID: Self.externalID(index), kind: reaction.kind,
                                machineOpen: reaction.machineOpen,
                                occurredAt: occurredAt, providerID: "send-\(key)-\(n)"))
                        if runsStreams && reaction.kind == .click {
                            pending += commerce(
                                afterClickOn: key, clickAt: occurredAt, persona: personas[index], index: index)
                        }
                    }
                }
                row.sends += sends.count
            }

            // What contacts do of their own accord today, at minutes of the day; drawn first, so
            // those before a stop arrive at it (the draws depend on seed, contact and day only).
            for index in 0..<contacts {
                guard
                    let reaction = personas[index].spontaneous(
                        contactID: Int64(index + 1), day: day, seed: options.seed)
                else { continue }
                pending.append(
                    PendingEvent(
                        externalID: Self.externalID(index), kind: reaction.kind, machineOpen: reaction.machineOpen,
                        occurredAt: now.addingTimeInterval(Double(reaction.delayMinutes) * 60),
                        providerID: "self-\(index)-\(day)"))
            }
            if runsStreams {
                for index in 0..<contacts {
                    pending += dailyCommerce(day: day, midnight: now, persona: personas[index], index: index)
                }
            }
            try await moveClockAndImport(to: now)
            if day % options.campaignEveryDays == 0 {
                campaigns.append(CampaignStart(day: day, date: row.date, segments: options.segments))
                for segment in options.segments {
                    let flow = FlowDefinition(
                        name: "campaign-\(segment)-d\(day)", segment: segment, template: "newsletter-\(segment)",
                        everySeconds: Double(options.campaignSendEveryDays) * 86_400, maxSends: options.campaignSends)
                    _ = try await connection.withTransaction { try FlowStore(schema: schema).start(flow, on: $0) }
                }
            }
            try await runDay(
                from: now, killWorker: day == options.killWorkerOnDay, connection, fleet: fleet,
                moveClock: { stop in try await moveClockAndImport(to: stop) },
                afterStop: { try await reactToNewSends() })
            if runsStreams {
                streamRows.append(
                    try await streamRow(day: day, date: row.date, streams: streams, arrived: arrived, connection))
            }
            try await count(&row, connection)
            rows.append(row)
            let made: Int = try await connection.query(sql.jobsMade, [schema.qualified("jobs")]).first!.decode("n")
            let seconds = (ContinuousClock.now - started).seconds
            progress(
                SimulationProgress(
                    day: day + 1, days: options.days, jobsDone: made,
                    jobsPerSecond: seconds > 0 ? Double(made) / seconds : 0, row: row))
        }
        return SimulationResult(
            rows: rows, summary: try await summarize(rows, connection), streams: streams, streamRows: streamRows,
            streamTotals: try await streamTotals(connection), campaigns: campaigns)
    }

    /// The day's work, in the order its schedules tick: the clock stops at midnight, then at
    /// each schedule's tick within the day (the 00:10 date entries, the 03:00 sweep, the 03:30
    /// decay, …), and the workers drain what is due at each stop before it moves on. Why stops:
    /// with the clock frozen at midnight all day, the sweep would run beside the midnight sends,
    /// and which went first would depend on the workers, so the same seed would not give the
    /// same numbers with 1 or 3 workers. `@every` schedules make no stops (a minutely one would
    /// make 1,440); they fire at whichever stop finds them due.
    ///
    /// At each stop, `moveClock` sets the clock and brings the engagement that happened before
    /// the stop, in one transaction (so the 03:00 sweep sees the opens of the night's sends),
    /// and `afterStop` runs once the workers have drained (the stop's sends meet the personas).
    private func runDay(
        from midnight: Date, killWorker: Bool, _ connection: PGConnection, fleet: WorkerFleet,
        moveClock: (Date) async throws -> Void, afterStop: () async throws -> Void
    ) async throws {
        let end = midnight.addingTimeInterval(86_400)
        var stop = midnight
        var first = true
        while true {
            // The caller set midnight's clock and brought its engagement before the day's flows.
            if stop != midnight { try await moveClock(stop) }
            try await connection.run { [schema] connection in
                try Scheduler(schema: schema).run(on: connection)
                try JobStore(schema: schema).notify(queues: ["default", "sweeps"], on: connection)
            }
            if killWorker && first {
                try await Task.sleep(for: .milliseconds(30)) // mid-drain, with jobs leased
                try fleet.killOneAndReplace()
            }
            first = false
            try await waitUntilDrained(connection, at: stop, fleet: fleet)
            try await afterStop()
            guard let next: Date = try await connection.query(sql.nextStop, [stop, end]).first?.decode("at") else {
                break
            }
            stop = next
        }
    }

    /// Polls until nothing is due or running at the frozen clock. A worker that exits on its
    /// own fails the run instead of leaving it waiting forever.
    private func waitUntilDrained(_ connection: PGConnection, at clock: Date, fleet: WorkerFleet) async throws {
        var pause = 1
        while true {
            let busy: Bool = try await connection.query(sql.outstanding, [clock]).first!.decode("busy")
            if !busy { return }
            if let status = fleet.unexpectedExits.first {
                throw SimulationError("a worker process exited with status \(status)")
            }
            try await Task.sleep(for: .milliseconds(pause))
            pause = min(pause * 2, 20)
        }
    }

    private func count(_ row: inout DailyRow, _ connection: PGConnection) async throws {
        for record in try await connection.query(sql.audience).rows {
            let n: Int = try record.decode("n")
            switch (try record.decode("status", as: String.self), try record.decode("moved", as: Bool.self)) {
            case ("active", _): row.active += n
            case ("engaged", _): row.engaged += n
            case ("reactivated", _): row.reactivated += n
            case ("suppressed", _): row.suppressed += n
            case ("inactive", true): row.movedToAds += n
            case ("inactive", false): row.inactive += n
            default: break
            }
        }
    }

    private func summarize(_ rows: [DailyRow], _ connection: PGConnection) async throws -> SimulationSummary {
        let record = try await connection.query(sql.summary).first!
        let campaigns = (options.days + options.campaignEveryDays - 1) / options.campaignEveryDays
        let (sends, streamSends): (Int, Int) = (try record.decode("sends"), try record.decode("stream_sends"))
        let engagement = SimulationSummary.Engagement(
            humanOpens: try record.decode("human_opens"), clicks: try record.decode("clicks"),
            engagedContacts: try record.decode("engaged_contacts"), reachableByEmail: try record.decode("reachable"),
            movedToAds: try record.decode("moved_to_ads"), suppressed: try record.decode("suppressed"))
        return SimulationSummary(
            contacts: options.contacts, days: options.days, campaignSends: sends - streamSends,
            streamSends: streamSends,
            staticCampaignSends: campaigns * options.campaignSends * options.contacts, engagement: engagement,
            wentInactive: try record.decode("went_inactive"), reactivated: try record.decode("reactivated"),
            medianDaysToEngage: try record.decode("median_days_to_engage"), finalDay: rows.last)
    }

    /// A stable 64-bit key (FNV-1a) of a campaign send, independent of send ids and timing.
    static func stableKey(_ flow: String, _ step: Int, _ index: Int, _ day: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(flow)|\(step)|\(index)|\(day)".utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}

/// An engagement event waiting for its time to come.
struct PendingEvent: Sendable {
    var externalID: String
    var kind: ReactionKind
    var machineOpen: Bool
    var occurredAt: Date
    var providerID: String

    /// One NDJSON line; `formatter` is shared, as making one per event costs more than the line.
    func ndjson(_ formatter: ISO8601DateFormatter) -> String {
        let at = formatter.string(from: occurredAt)
        return
            #"""
            {"external_id": "\#(externalID)", "kind": "\#(kind.rawValue)", "occurred_at": "\#(at)", \#
            "machine_open": \#(machineOpen), "source": "simulation", "provider_event_id": "\#(providerID)"}
            """#
    }
}

/// A simulation that cannot go on, said in one line.
public struct SimulationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
