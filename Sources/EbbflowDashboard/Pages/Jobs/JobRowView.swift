// One job as a table row of the Jobs pages: id, kind, queue, state, attempts, an args excerpt, its time by the database clock.
import EbbflowQueue
import Foundation

/// Why the time shown depends on the state: what an operator asks of a waiting job is when
/// it runs, of a running one how long it has run, of a finished one when it ended.
enum JobRowView {
    /// Characters of the args shown in a list row; the job's page shows all of them.
    static let excerptLength = 80

    static func context(_ job: JobRow, now: Date) -> [String: any Sendable] {
        let (label, at): (String, Date) =
            if let finishedAt = job.finishedAt {
                ("finished", finishedAt)
            } else if job.state == "running" {
                ("started", job.attemptedAt ?? job.runAt)
            } else {
                (job.runAt > now ? "runs" : "due", job.runAt)
            }
        return [
            "id": "\(job.id)", "href": "/dashboard/jobs/\(job.id)", "kind": job.kind, "queue": job.queue,
            "state": job.state, "attempts": "\(job.attempt) of \(job.maxAttempts)",
            "args": excerpt(String(decoding: job.args.bytes, as: UTF8.self)), "timeLabel": label,
            "time": ViewFormat.relative(at, now: now), "timeUTC": ViewFormat.time(at),
            "created": ViewFormat.relative(job.createdAt, now: now),
        ]
    }

    /// The args' text cut to `excerptLength` characters.
    static func excerpt(_ text: String) -> String {
        text.count <= excerptLength ? text : String(text.prefix(excerptLength - 1)) + "…"
    }
}
