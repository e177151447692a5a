// A job's life as a timeline: created, each failed attempt with its error, the last attempt, and how it finished.
import Foundation

/// A job and the timeline the dashboard's job page draws.
public struct JobDetail: Sendable {
    public var job: JobRow
    /// Oldest first.
    public var timeline: [JobTimelineEntry]
}

/// One moment of a job's life.
public struct JobTimelineEntry: Sendable, Hashable {
    public enum Event: String, Sendable, Hashable {
        /// Enqueued (`created_at`).
        case created
        /// An attempt that failed, with its error (kept on the job, one per failure).
        case failed
        /// The latest attempt began (`attempted_at`); later entries say how it went.
        case attempted
        /// Waits to run at `at` (scheduled, available or retryable).
        case due
        /// Finished (`finished_at`) as completed, discarded or cancelled.
        case finished
    }
    public var at: Date
    public var event: Event
    /// The attempt the entry is about (0 for `created`).
    public var attempt: Int
    /// For `failed`: the error's kind (`error`, `timeout`, `lease_expired`, …); for
    /// `finished`: the final state; else nil.
    public var kind: String?
    /// The error's message for `failed`; else nil.
    public var message: String?
}

/// Builds the timeline from the job's own row: no other table records attempts, so the
/// errors array (one per failed attempt, with its time) is the history, `attempted_at` the
/// start of the last attempt, `finished_at` its end.
public enum JobTimeline {
    public static func entries(of job: JobRow) -> [JobTimelineEntry] {
        var entries = [JobTimelineEntry(at: job.createdAt, event: .created, attempt: 0)]
        for error in job.errors {
            entries.append(
                JobTimelineEntry(
                    at: error.at, event: .failed, attempt: error.attempt, kind: error.kind.rawValue,
                    message: error.message))
        }
        if let attemptedAt = job.attemptedAt, job.attempt > 0 {
            entries.append(JobTimelineEntry(at: attemptedAt, event: .attempted, attempt: job.attempt))
        }
        if let finishedAt = job.finishedAt {
            entries.append(JobTimelineEntry(at: finishedAt, event: .finished, attempt: job.attempt, kind: job.state))
        } else if job.state != "running" {
            entries.append(JobTimelineEntry(at: job.runAt, event: .due, attempt: job.attempt + 1, kind: job.state))
        }
        // Stable by time; equal times keep the order above (created, failures, attempt, end).
        return entries.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }
}
