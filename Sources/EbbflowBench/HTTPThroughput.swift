// Part of `ebbflow-bench http`: the same events through /v1/batch and through `events import`, each into a fresh schema.
import EbbflowCore
import Foundation
import PostgresClient

struct HTTPThroughput {
    let settings: HTTPBenchmark
    let fixture: IngestFixture
    let directory: URL

    /// Segment's limit on a request, which `serve` enforces with 413.
    static let maxRequestBytes = 500 * 1_024

    func measure(rep: Int, into report: inout HTTPBenchReport) async throws {
        let (httpSchema, importSchema) = (try freshSchema("http"), try freshSchema("import"))
        do {
            try await measure(rep: rep, httpSchema: httpSchema, importSchema: importSchema, into: &report)
        } catch {
            await fixture.drop(httpSchema)
            await fixture.drop(importSchema)
            throw error
        }
        await fixture.drop(httpSchema)
        await fixture.drop(importSchema)
    }

    private func measure(rep: Int, httpSchema: SchemaName, importSchema: SchemaName, into report: inout HTTPBenchReport)
        async throws
    {
        let count = settings.events
        // A day back: every timestamp is in the past whatever the count (1 ms apart).
        let events = IngestEvents(
            count: count, contacts: settings.contacts, seed: UInt64(rep),
            base: Date().addingTimeInterval(-86_400 - Double(count) / 1000),
            idPrefix: "m")

        // The import first, then the API: each into its own fresh schema after a checkpoint.
        phase("throughput: writing the NDJSON file, preparing \(importSchema) (migrate, \(settings.contacts) contacts)")
        let file = directory.appendingPathComponent("events.ndjson")
        try events.writeNDJSON(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await fixture.prepare(importSchema)
        let loadBefore = HTTPBenchReport.loadAverage()
        phase("throughput: events import of \(count) events")
        let imported = try fixture.timed(["events", "import", file.path, "--schema", importSchema.name])
        let importRate = Double(count) / imported.seconds
        report.notes.append(
            "rep \(rep): events import took \(String(format: "%.1f", imported.seconds)) s (load \(loadBefore) → \(HTTPBenchReport.loadAverage())): "
                + (imported.output.split(separator: "\n").last.map(String.init) ?? ""))

        phase("throughput: preparing \(httpSchema) (migrate, \(settings.contacts) contacts, key)")
        try await fixture.prepare(httpSchema)
        let key = try fixture.ingestKey(httpSchema)
        let http = try await postBatches(events, rep: rep, schema: httpSchema, key: key, into: &report)

        phase("throughput: checking both schemas")
        let connection = try await PGConnection.connect(fixture.database)
        let viaHTTP = try await IngestVerification.stored(httpSchema, on: connection)
        let viaImport = try await IngestVerification.stored(importSchema, on: connection)
        let comparison = try await IngestVerification.compare(httpSchema, importSchema, on: connection)
        await connection.run { $0.close() }
        report.check(
            viaHTTP.rows == count && viaHTTP.distinctIDs == count && viaHTTP.unapplied == 0,
            "rep \(rep): via /v1/batch: \(viaHTTP) (expected \(count) of each, 0 not applied)")
        report.check(
            viaImport.rows == count && viaImport.distinctIDs == count && viaImport.unapplied == 0,
            "rep \(rep): via events import: \(viaImport)")
        report.check(
            comparison.differing == 0 && comparison.contacts == settings.contacts,
            "rep \(rep): same application: \(comparison)")

        report.table.add(
            "`POST /v1/batch`, \(settings.batch) events a request, \(settings.connections) keep-alive connections (\(count) events)",
            http.rate, "events/s")
        report.table.add("`ebbflow events import` of the same events (one NDJSON file)", importRate, "events/s")
        report.table.add("ratio /v1/batch ÷ events import (target ≥ 0.7)", http.rate / importRate, "×")
        report.table.add("`serve` peak resident memory during the batches (VmHWM)", http.peakMB, "MB")
    }

    /// Posts every event as `/v1/batch` requests to a `serve` started for this schema.
    private func postBatches(
        _ events: IngestEvents, rep: Int, schema: SchemaName, key: String, into report: inout HTTPBenchReport
    )
        async throws -> (rate: Double, peakMB: Double)
    {
        phase("throughput: building \(events.count / settings.batch) requests")
        let serve = try ServeProcess.start(
            ebbflow: fixture.ebbflow, databaseURL: fixture.database.conninfo, schema: schema.name,
            poolConnections: settings.serveConnections)
        do {
            let ranges = stride(from: 0, to: events.count, by: settings.batch).map {
                $0..<min(events.count, $0 + settings.batch)
            }
            let requests = ranges.map {
                HTTPRequestBytes.post(
                    "/v1/batch", port: serve.port, key: key, contentType: "application/json", body: events.batchBody($0)
                )
            }
            if let largest = requests.map(\.count).max(), largest > Self.maxRequestBytes {
                throw BenchError("a /v1/batch request is \(largest) bytes, over serve's 500 KB: lower --batch")
            }
            let loadBefore = HTTPBenchReport.loadAverage()
            phase("throughput: posting \(events.count) events over \(settings.connections) connections")
            let sampler = MemorySampler(pid: serve.pid)
            let outcome = try await BatchLoad(
                port: serve.port, requests: requests, eventsPerRequest: ranges.map(\.count),
                connections: settings.connections, servePID: serve.pid
            ).run()
            let sampled = sampler.stop()
            let peak = ProcessMemory.read(pid: serve.pid)?.peak ?? .nan
            try serve.stop()
            report.check(
                outcome.accepted == events.count,
                "rep \(rep): /v1/batch accepted \(outcome.accepted) of \(events.count) in \(String(format: "%.1f", outcome.seconds)) s "
                    + "(load \(loadBefore) → \(HTTPBenchReport.loadAverage()); \(outcome.reconnects) reconnects; "
                    + "VmRSS sampled \(sampled.samples)×, highest \(String(format: "%.1f", sampled.maxRSS)) MB; "
                    + "CPU: serve \(String(format: "%.1f", outcome.serveCPU)) s, generator \(String(format: "%.1f", outcome.generatorCPU)) s)"
            )
            return (Double(outcome.accepted) / outcome.seconds, peak)
        } catch {
            serve.kill()
            throw error
        }
    }
}
