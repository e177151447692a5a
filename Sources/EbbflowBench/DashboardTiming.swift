// Times each dashboard URL: one cold request then warm ones, server time from Server-Timing, p50/p95/max per URL.
import Foundation

/// One URL's figures, in milliseconds. `server`: `Server-Timing: total` of each warm request
/// (the wall time measured here when the server sent none).
struct DashboardTimed: Sendable {
    var path: String
    var status: Int
    /// nil when the page answered; else why it counts as missing or failed.
    var problem: String?
    var cold: Double = .nan
    var warm: [Double] = []
    var wall: [Double] = []
    var database: [Double] = []
    var fromHeader = true

    var missing: Bool { problem?.hasPrefix("missing") ?? false }
    var p50: Double { Self.percentile(warm, 0.50) }
    var p95: Double { Self.percentile(warm, 0.95) }
    var max: Double { warm.max() ?? .nan }

    /// Nearest rank: the smallest value with at least `fraction` of the values at or below it.
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank - 1))]
    }
}

struct DashboardTiming {
    let http: DashboardHTTP
    let reps: Int

    /// Times every URL in order; a URL that cannot be resolved or answers 404/405 or with
    /// the "being built" page is reported, not timed.
    func run(_ urls: [DashboardURL]) throws -> [DashboardTimed] {
        try urls.map { url in
            var path = url.path
            if let page = url.olderOf {
                let answer = try http.get(page)
                guard let link = Self.olderLink(in: answer.body, of: page) else {
                    return DashboardTimed(
                        path: url.path, status: answer.status,
                        problem: "missing (no older-timeline link on \(page), status \(answer.status))")
                }
                path = link
            }
            let cold = try http.get(path)
            if let problem = Self.problem(cold) {
                return DashboardTimed(path: path, status: cold.status, problem: problem)
            }
            var timed = DashboardTimed(path: path, status: cold.status)
            timed.cold = cold.serverTotal ?? cold.wallMilliseconds
            timed.fromHeader = cold.serverTotal != nil
            for _ in 0..<reps {
                let answer = try http.get(path)
                if let problem = Self.problem(answer) {
                    timed.problem = "warm request: \(problem)"
                    break
                }
                timed.warm.append(answer.serverTotal ?? answer.wallMilliseconds)
                timed.wall.append(answer.wallMilliseconds)
                if let database = answer.serverDatabase { timed.database.append(database) }
                timed.fromHeader = timed.fromHeader && answer.serverTotal != nil
            }
            progress(
                String(
                    format: "%@: cold %.1f ms, p50 %.1f ms, p95 %.1f ms", path, timed.cold, timed.p50, timed.p95))
            return timed
        }
    }

    static func problem(_ answer: DashboardHTTP.Answer) -> String? {
        switch answer.status {
        case 404, 405: return "missing (\(answer.status))"
        case 200 where answer.body.contains("This page is being built."): return "missing (being built)"
        case 200..<400: return nil
        default: return "failed with \(answer.status)"
        }
    }

    /// The first `href` on the page that continues its timeline (`…?before=`), unescaped.
    static func olderLink(in body: String, of page: String) -> String? {
        let marker = "href=\"\(page)?before="
        guard let start = body.range(of: marker) else { return nil }
        let rest = body[body.index(start.lowerBound, offsetBy: 6)...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The per-URL markdown table; `budget` marks the rows whose p95 passes it.
    static func printTable(_ rows: [DashboardTimed], title: String, budget: Double) {
        print("\n\(title)\n")
        guard !rows.isEmpty else {
            print("(no URL of this kind selected)")
            return
        }
        print("| URL | p50 | p95 | max | cold | db p50 | wall p50 | |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for row in rows {
            if let problem = row.problem, row.warm.isEmpty {
                print("| `\(row.path)` | | | | | | | \(problem) |")
                continue
            }
            func ms(_ value: Double) -> String { value.isNaN ? "" : String(format: "%.1f", value) }
            var note = row.p95 > budget ? "OVER \(Int(budget)) ms" : ""
            if row.status != 200 { note += (note.isEmpty ? "" : "; ") + "status \(row.status)" }
            if !row.fromHeader { note += (note.isEmpty ? "" : "; ") + "wall time (no Server-Timing)" }
            if let problem = row.problem { note += (note.isEmpty ? "" : "; ") + problem }
            print(
                """
                | `\(row.path)` | \(ms(row.p50)) | \(ms(row.p95)) | \(ms(row.max)) | \(ms(row.cold)) | \
                \(ms(DashboardTimed.percentile(row.database, 0.5))) | \(ms(DashboardTimed.percentile(row.wall, 0.5))) | \(note) |
                """)
        }
    }
}
