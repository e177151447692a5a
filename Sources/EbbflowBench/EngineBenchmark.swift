// The engine at volume: events applied per second, event-to-status latency, sweeps under load, flow steps due at once.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation
import Logging
import PostgresClient

/// Every figure runs the production code paths on one generated audience: real `ebbflow
/// worker` processes apply events and run flow steps; the sweeps are the library's batched
/// passes, each next to the single statement doing the same work (the floor) in the same run.
struct EngineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Events/s, event-to-status latency, sweeps vs floor under an event stream, flow steps.")

    @Option(help: "PostgreSQL URL (default: $DATABASE_URL).") var databaseURL: String?
    @Option(help: "Contacts to generate.") var contacts = 1_000_000
    @Option(help: "Events loaded at once for the throughput figure.") var events = 200_000
    @Option(help: "Events per second of the steady stream.") var rate = 2_000
    @Option(help: "Seconds of the steady stream.") var streamSeconds = 30.0
    @Option(help: "Flow steps due at once.") var flowSteps = 100_000
    @Option(help: "Worker processes.") var workers = 2
    @Option(help: "Contacts per batch of the sweep and decay pass (default: the passes' own).") var passBatchSize: Int?
    @Option(help: "Repetitions (medians reported).") var reps = 3
    @Option(help: "Path of the release ebbflow binary.") var ebbflowBin = ".build/release/ebbflow"
    @Option(help: "Comma-separated: events,latency,sweeps,flow,arbiter") var only = "events,latency,sweeps,flow"

    func run() async throws {
        let wanted = Set(only.split(separator: ",").map(String.init))
        let fixture = try await EngineFixture.make(
            database: PGConfiguration.resolve(explicit: databaseURL), ebbflowBin: ebbflowBin,
            contacts: contacts, flowContacts: flowSteps)
        try await EventStream.installProbe(fixture)
        var table = FigureTable()
        do {
            for rep in 1...reps {
                if wanted.contains("events") { try await measureEvents(fixture, &table, seed: UInt64(rep)) }
                if wanted.contains("latency") { try await measureLatency(fixture, &table, seed: UInt64(rep)) }
                if wanted.contains("sweeps") { try await measureSweeps(fixture, &table, seed: UInt64(rep)) }
                if wanted.contains("flow") { try await measureFlow(fixture, &table) }
                if wanted.contains("arbiter") { try await measureArbiter(fixture, &table) }
                progress("rep \(rep)/\(reps) done")
            }
        } catch {
            try? await fixture.drop()
            throw error
        }
        try await fixture.drop()
        print("\(contacts) contacts, \(workers) worker processes\n")
        table.print()
    }

    private func measureEvents(_ fixture: EngineFixture, _ table: inout FigureTable, seed: UInt64) async throws {
        try await fixture.reset()
        let started = ContinuousClock.now
        try await fixture.copyEvents(events, seed: seed)
        let copied = ContinuousClock.now
        let running = try fixture.startWorkers(workers, drain: true)
        try fixture.waitForDrain(running)
        let elapsed = (ContinuousClock.now - copied).seconds
        let pending = try await fixture.count(
            "SELECT count(*) AS n FROM \(fixture.schema.qualified("engagement_events")) WHERE applied_at IS NULL")
        guard pending == 0 else { throw BenchError("\(pending) events left unapplied") }
        table.add(
            "events applied, \(events) loaded by COPY, \(workers) × `worker --drain`", Double(events) / elapsed,
            "events/s")
        table.add(
            "… including the COPY and its trigger", Double(events) / (ContinuousClock.now - started).seconds, "events/s"
        )
    }

    private func measureLatency(_ fixture: EngineFixture, _ table: inout FigureTable, seed: UInt64) async throws {
        try await fixture.reset()
        let running = try fixture.startWorkers(workers, drain: false)
        defer { fixture.stopWorkers(running) }
        try await Task.sleep(for: .seconds(1))
        let result = try await EventStream(fixture: fixture).run(perSecond: rate, seconds: streamSeconds, seed: seed)
        guard result.applied == result.sent else {
            throw BenchError("\(result.sent - result.applied) of \(result.sent) streamed events not seen applied")
        }
        table.add("event-to-status p50 at \(rate) events/s (\(result.sent) events)", result.percentile(0.5), "ms")
        table.add("event-to-status p99 at \(rate) events/s", result.percentile(0.99), "ms")
    }

    private func measureSweeps(_ fixture: EngineFixture, _ table: inout FigureTable, seed: UInt64) async throws {
        let schema = fixture.schema
        let now = EngineFixture.now
        let policy = PolicyDocument()
        let decay = policy.default.decay
        let batch = passBatchSize
        let floors:
            [(
                name: String, pass: @Sendable (isolated PGConnection) throws -> Int, floor: String,
                parameters: [any PGEncodable & Sendable]
            )] = [
                (
                    "inactivity sweep",
                    {
                        try InactivitySweep(schema: schema, batchSize: batch ?? InactivitySweep.defaultBatchSize)
                            .runAll(now: now, policies: policy, on: $0).changed
                    },
                    SweepFloors.inactivity(schema), [now, policy.default.cooldownDays]
                ),
                (
                    "decay pass",
                    {
                        try DecayPass(schema: schema, batchSize: batch ?? DecayPass.defaultBatchSize).runAll(
                            now: now, policies: policy, on: $0
                        ).changed
                    },
                    SweepFloors.decay(schema), [now, decay.graceDays, decay.halfLifeDays]
                ),
            ]
        for (name, pass, floorSQL, parameters) in floors {
            try await fixture.reset()
            var started = ContinuousClock.now
            let floorChanged = try await fixture.connection.execute(floorSQL, parameters)
            let floor = (ContinuousClock.now - started).seconds

            try await fixture.reset()
            started = ContinuousClock.now
            let quietChanged = try await fixture.connection.run { try pass($0) }
            let quiet = (ContinuousClock.now - started).seconds
            guard quietChanged == floorChanged else {
                throw BenchError("\(name): batched changed \(quietChanged), floor \(floorChanged)")
            }

            try await fixture.reset()
            let running = try fixture.startWorkers(workers, drain: false)
            defer { fixture.stopWorkers(running) }
            try await Task.sleep(for: .seconds(1))
            let stop = StopFlag()
            async let streamed = EventStream(fixture: fixture).run(
                perSecond: rate, seconds: 600, seed: seed, stop: stop)
            try await Task.sleep(for: .seconds(2))
            started = ContinuousClock.now
            let loadedChanged = try await fixture.connection.run { try pass($0) }
            let loaded = (ContinuousClock.now - started).seconds
            stop.set()
            let stream = try await streamed
            // Events reach a few hundred contacts first; the pass must still do nearly all the work.
            guard loadedChanged >= floorChanged * 9 / 10 else {
                throw BenchError("\(name) under the stream changed \(loadedChanged), floor \(floorChanged)")
            }

            table.add("\(name): one statement (the floor), quiet", floor, "s")
            table.add("\(name): batched, quiet", quiet, "s")
            table.add("\(name): batched, with \(rate) events/s streaming", loaded, "s")
            table.add("\(name): ratio batched under the stream / floor", loaded / floor, "×")
            table.add("\(name): event-to-status p99 during it", stream.percentile(0.99), "ms")
        }
    }

    private func measureArbiter(_ fixture: EngineFixture, _ table: inout FigureTable) async throws {
        let bench = ArbiterBenchmark(fixture: fixture, workers: workers)
        let without = try await bench.applySales(withStreams: false)
        let with = try await bench.applySales(withStreams: true)
        let floor = try await bench.floor()
        let count = Double(contacts)
        table.add("one sale event per contact applied, no streams", count / without, "events/s")
        table.add(
            "… with \(ArbiterBenchmark.streamCount) streams entered on it (a decision each)", count / with,
            "decisions/s")
        table.add("one statement making the same choice for every contact (the floor)", count / floor, "decisions/s")
        table.add("ratio floor / with streams", with / floor, "×")
    }

    private func measureFlow(_ fixture: EngineFixture, _ table: inout FigureTable) async throws {
        try await fixture.reset()
        let schema = fixture.schema
        let enrolled = try await fixture.connection.withTransaction {
            try FlowStore(schema: schema).start(
                FlowDefinition(name: "bench", segment: "promo", template: "welcome_1"), on: $0)
        }
        guard enrolled == flowSteps else { throw BenchError("enrolled \(enrolled), expected \(flowSteps)") }
        try await fixture.connection.simpleQuery("VACUUM ANALYZE \(schema.qualified("jobs"))")
        let started = ContinuousClock.now
        let running = try fixture.startWorkers(workers, drain: true)
        try fixture.waitForDrain(running)
        let elapsed = (ContinuousClock.now - started).seconds
        let sends = try await fixture.count("SELECT count(*) AS n FROM \(schema.qualified("sends"))")
        guard sends == flowSteps else { throw BenchError("\(sends) sends written, expected \(flowSteps)") }
        table.add("\(flowSteps) flow steps due at once, \(workers) × `worker --drain`", elapsed, "s")
    }
}

/// The single statements doing a pass's whole work: what the batched passes are measured against.
enum SweepFloors {
    /// Statuses, transitions and each newly inactive contact's cooldown job, as the sweep does.
    static func inactivity(_ schema: SchemaName) -> String {
        """
        WITH moved AS (
            UPDATE \(schema.qualified("contacts")) c SET campaign_status = 'inactive', status_changed_at = $1, flow_sends_unanswered = 0
            WHERE c.campaign_status IN ('active', 'engaged', 'reactivated')
              AND coalesce(c.last_engagement_at, c.status_changed_at) <= $1::timestamptz - make_interval(days => 90)
            RETURNING c.id
        ), audit AS (
            INSERT INTO \(schema.qualified("transitions")) (contact_id, from_status, to_status, reason, at)
            SELECT id, 'active', 'inactive', 'silence', $1 FROM moved
        )
        INSERT INTO \(schema.qualified("jobs")) (state, queue, kind, args, run_at, created_at, subject)
        SELECT 'scheduled', 'default', 'reactivation_step', jsonb_build_object('contact_id', id, 'step', 1),
               $1::timestamptz + make_interval(days => $2::int), $1, 'contact:' || id
        FROM moved
        """
    }

    static func decay(_ schema: SchemaName) -> String {
        """
        UPDATE \(schema.qualified("contacts")) c
        SET engagement_score = CASE WHEN d.value < 0.01 THEN 0 ELSE d.value END, score_as_of = $1
        FROM (
            SELECT id, engagement_score * power(0.5,
                       (greatest(0, extract(epoch FROM $1::timestamptz - last_engagement_at) / 86400 - $2)
                        - greatest(0, extract(epoch FROM coalesce(score_as_of, last_engagement_at) - last_engagement_at) / 86400 - $2)) / $3) AS value
            FROM \(schema.qualified("contacts"))
            WHERE engagement_score > 0 AND last_engagement_at IS NOT NULL
              AND last_engagement_at < $1::timestamptz - make_interval(secs => $2 * 86400)
              AND coalesce(score_as_of, last_engagement_at) < $1::timestamptz
        ) d
        WHERE c.id = d.id
        """
    }
}
