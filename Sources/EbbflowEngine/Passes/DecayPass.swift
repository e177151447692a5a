// The score decay pass: stored scores rewritten to their decayed value, in keyset batches.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// Decays each stored score from its `score_as_of` (or last engagement) to now with its
/// segment's policy, and moves `score_as_of` to now. Readers decay on the fly anyway, so the
/// pass exists for what reads the column itself: segment queries, exports, reporting. Because
/// exponential decay composes (ScoreDecay.swift), running it daily, hourly or once after
/// downtime gives the same scores. A score that falls under 0.01 becomes 0, so silent contacts
/// stop being rewritten. The maths is total over every stored row: however old the last
/// engagement the score reaches 0 without an underflow, and a row with an infinite time is
/// left alone rather than failing the batch, so one contact's bad value never stops the pass.
/// Rows an event holds right now are skipped (`SKIP LOCKED`): the event decays that score
/// itself.
public struct DecayPass: ContactPass {
    public static let jobKind = "decay_scores"
    /// 5,000: a decay batch only rewrites scores, so it is quick; smaller batches cost more per contact.
    public static let defaultBatchSize = 5_000
    public let schema: SchemaName
    public var batchSize: Int

    public init(schema: SchemaName, batchSize: Int = DecayPass.defaultBatchSize) {
        self.schema = schema
        self.batchSize = batchSize
    }

    /// $4 segments, $5 their grace days, $6 their half-lives, $7 and $8 the default's.
    public func batchParameters(
        policies: PolicyDocument, segments: [(key: String, value: EngagementPolicy)],
        jobID: Int64?, now: Date
    ) -> PGBindings {
        [
            segments.map(\.key), segments.map(\.value.decay.graceDays), segments.map(\.value.decay.halfLifeDays),
            policies.default.decay.graceDays, policies.default.decay.halfLifeDays,
        ]
    }

    public var batchStatement: String {
        let contacts = schema.qualified("contacts")
        return """
            WITH \(batchCTE), candidates AS (
                SELECT c.id, c.engagement_score AS score,
                       extract(epoch FROM $3::timestamptz - c.last_engagement_at) / 86400 AS silent_days,
                       extract(epoch FROM coalesce(c.score_as_of, c.last_engagement_at) - c.last_engagement_at) / 86400 AS decayed_days,
                       p.grace, p.half_life
                FROM \(contacts) c
                CROSS JOIN LATERAL (
                    SELECT coalesce((SELECT s.grace FROM unnest($4::text[], $5::float8[]) AS s(segment, grace) WHERE s.segment = c.segment), $7) AS grace,
                           coalesce((SELECT s.half_life FROM unnest($4::text[], $6::float8[]) AS s(segment, half_life)
                                     WHERE s.segment = c.segment), $8) AS half_life
                ) p
                WHERE \(inBatch)
                  AND c.engagement_score > 0 AND c.last_engagement_at IS NOT NULL
                  AND isfinite(c.last_engagement_at) AND isfinite(coalesce(c.score_as_of, c.last_engagement_at))
                  AND c.last_engagement_at < $3::timestamptz - make_interval(secs => p.grace * 86400)
                  AND coalesce(c.score_as_of, c.last_engagement_at) < $3::timestamptz
                FOR UPDATE OF c SKIP LOCKED
            ), decayed AS (
                UPDATE \(contacts) c
                SET engagement_score = d.value, score_as_of = $3
                FROM (
                    -- Under 0.01 is 0, decided in logarithms before any power is taken: 0.5 to the
                    -- power of a century of half-lives underflows float8, which is an error in
                    -- PostgreSQL, and one such contact (last engaged 1900) failed the whole pass.
                    SELECT id, CASE WHEN ln(score) - halvings * ln(2) < ln(0.01) THEN 0 ELSE score * power(0.5, halvings) END AS value
                    FROM (SELECT id, score, (greatest(0, silent_days - grace) - greatest(0, decayed_days - grace)) / half_life AS halvings
                          FROM candidates) h
                ) d
                WHERE c.id = d.id
                RETURNING c.id
            )
            \(batchSummary(changed: "decayed"))
            """
    }
}

/// The decay pass as a job (installed schedule `decay_scores`, daily 03:30 UTC).
public typealias DecayPassJob = ContactPassJob<DecayPass>
