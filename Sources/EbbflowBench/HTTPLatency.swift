// Part of `ebbflow-bench http`: single /v1/track requests at a fixed rate, open loop, a sample read back after each 200.
import EbbflowCore
import Foundation
import PostgresClient

struct HTTPLatency {
    let settings: HTTPBenchmark
    let fixture: IngestFixture

    func measure(rep: Int, floor: Bool, tracks: Bool, into report: inout HTTPBenchReport) async throws {
        let schema = try freshSchema("track")
        do {
            try await measure(rep: rep, schema: schema, withFloor: floor, withTracks: tracks, into: &report)
        } catch {
            await fixture.drop(schema)
            throw error
        }
        await fixture.drop(schema)
    }

    private func measure(
        rep: Int, schema: SchemaName, withFloor: Bool, withTracks: Bool, into report: inout HTTPBenchReport
    )
        async throws
    {
        let warmup = settings.rate // one second, left out of the figures
        let total = warmup + settings.rate * settings.seconds
        let tracks = TrackEvents(
            contacts: settings.contacts, base: Date().addingTimeInterval(-60 - Double(total) / 1000), idPrefix: "t")
        phase("latency: preparing \(schema) (migrate, \(settings.contacts) contacts, key)")
        try await fixture.prepare(schema)
        let key = try fixture.ingestKey(schema)
        let serve = try ServeProcess.start(
            ebbflow: fixture.ebbflow, databaseURL: fixture.database.conninfo, schema: schema.name,
            poolConnections: settings.serveConnections)
        do {
            if withFloor { try await measureFloor(rep: rep, serve: serve, warmup: warmup, total: total, into: &report) }
            if withTracks {
                try await measureTracks(
                    rep: rep, schema: schema, serve: serve, key: key, tracks: tracks, warmup: warmup, total: total,
                    into: &report)
            }
            try serve.stop()
        } catch {
            serve.kill()
            throw error
        }
    }

    /// The tracks: latency from schedule to answer, memory, and the sample read back.
    private func measureTracks(
        rep: Int, schema: SchemaName, serve: ServeProcess, key: String, tracks: TrackEvents, warmup: Int, total: Int,
        into report: inout HTTPBenchReport
    ) async throws {
        let requests = (0..<total).map {
            HTTPRequestBytes.post(
                "/v1/track", port: serve.port, key: key, contentType: "application/json", body: tracks.body($0))
        }
        // Sampled: tracks whose contact gets no other event in the run.
        let sampleEvery = settings.sampleEvery
        let contacts = settings.contacts
        let sampled = (0..<total).filter { $0 % sampleEvery == 0 && $0 < contacts }.count
        let checker = AppliedCheck(connection: try await PGConnection.connect(fixture.database), schema: schema)
        let loadBefore = HTTPBenchReport.loadAverage()
        phase("latency: \(total) tracks at \(settings.rate)/s over \(settings.latencyConnections) connections")
        let sampler = MemorySampler(pid: serve.pid)
        let cpuBefore = (ProcessCPU.seconds(pid: serve.pid) ?? .nan, ProcessCPU.seconds(pid: getpid()) ?? .nan)
        let outcome = try await OpenLoopLoad(
            port: serve.port, requests: requests, intervalNanoseconds: UInt64(1_000_000_000 / settings.rate),
            connections: settings.latencyConnections,
            answered: { index, at in
                guard index % sampleEvery == 0, index < contacts else { return }
                Task {
                    await checker.check(
                        externalID: "c-\(tracks.contact(index))", timestamp: tracks.timestamp(index), answeredAt: at)
                }
            }
        ).run()
        let cpu = (
            (ProcessCPU.seconds(pid: serve.pid) ?? .nan) - cpuBefore.0,
            (ProcessCPU.seconds(pid: getpid()) ?? .nan) - cpuBefore.1
        )
        let memory = sampler.stop()
        let peak = ProcessMemory.read(pid: serve.pid)?.peak ?? .nan
        let loadAfter = HTTPBenchReport.loadAverage()
        let waitStarted = Monotonic.now()
        while await checker.checked < sampled, Monotonic.now() - waitStarted < 10_000_000_000 {
            try await Task.sleep(for: .milliseconds(20))
        }

        let measured = Percentiles(outcome.latencies[warmup...])
        let lags = Percentiles(outcome.sendLags[warmup...])
        let label = "`POST /v1/track` at \(settings.rate)/s open loop, \(settings.latencyConnections) connections"
        for (name, value) in [
            ("p50", measured.at(0.5)), ("p90", measured.at(0.9)), ("p99 (target < 10 ms)", measured.at(0.99)),
            ("p99.9", measured.at(0.999)), ("max", measured.max),
        ] {
            report.table.add("\(label): \(name)", value, "ms")
        }
        report.table.add("`serve` peak resident memory under the tracks (VmHWM, target < 60 MB)", peak, "MB")
        report.table.add("`serve` highest VmRSS sampled every 100 ms under the tracks", memory.maxRSS, "MB")
        report.notes.append(
            "rep \(rep): \(measured.count) tracks measured after \(warmup) of warm-up (load \(loadBefore) → \(loadAfter)); "
                + "the generator sent them \(String(format: "%.2f", lags.at(0.5))) ms (p50), "
                + "\(String(format: "%.2f", lags.at(0.99))) ms (p99), \(String(format: "%.2f", lags.max)) ms (max) after their "
                + "scheduled time (late when every connection was still waiting); \(outcome.reconnects) reconnects; "
                + "CPU over the \(total) tracks: serve \(String(format: "%.1f", cpu.0)) s, generator and checker \(String(format: "%.1f", cpu.1)) s"
        )
        let visible = await checker.visible
        let checked = await checker.checked
        let delays = Percentiles(await checker.readDelays)
        let miss = await checker.firstMiss
        report.check(
            visible == sampled && checked == sampled,
            "rep \(rep): promptly applied: \(visible) of \(sampled) sampled tracks (every \(sampleEvery)th) showed their event "
                + "on a separate connection right after the 200 (read sent \(String(format: "%.2f", delays.at(0.5))) ms p50, "
                + "\(String(format: "%.2f", delays.max)) ms max after it)" + (miss.map { "; first miss: \($0)" } ?? ""))
    }

    /// The floor: `GET /healthz` (no key, no database) at the same rate over the same
    /// connections, so the tracks' figures can be read as HTTP layer plus database work.
    private func measureFloor(
        rep: Int, serve: ServeProcess, warmup: Int, total: Int, into report: inout HTTPBenchReport
    )
        async throws
    {
        let requests = Array(repeating: HTTPRequestBytes.get("/healthz", port: serve.port), count: total)
        let loadBefore = HTTPBenchReport.loadAverage()
        phase("latency: \(total) GET /healthz at \(settings.rate)/s (the floor)")
        let outcome = try await OpenLoopLoad(
            port: serve.port, requests: requests, intervalNanoseconds: UInt64(1_000_000_000 / settings.rate),
            connections: settings.latencyConnections, answered: { _, _ in }
        ).run()
        let measured = Percentiles(outcome.latencies[warmup...])
        let label = "floor: `GET /healthz` (no key, no database) at \(settings.rate)/s open loop"
        report.table.add("\(label): p50", measured.at(0.5), "ms")
        report.table.add("\(label): p99", measured.at(0.99), "ms")
        report.table.add("\(label): max", measured.max, "ms")
        report.notes.append(
            "rep \(rep): floor measured on \(measured.count) requests (load \(loadBefore) → \(HTTPBenchReport.loadAverage()))"
        )
    }
}
