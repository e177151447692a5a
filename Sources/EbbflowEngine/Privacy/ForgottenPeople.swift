// What stays of a forgotten person (keyed digests) and how every way in recognises them.
import EbbflowCore
import Foundation

/// The names and words the privacy requests share with the imports, ingest and the event trigger
/// of sql/engine/0024. Why digests in SQL only: the key lives in `privacy_secret` and never
/// leaves the database, so no log, error or output of ebbflow can carry it; every caller
/// compares digests the server computed.
public enum ForgottenPeople {
    /// The external id an event for a forgotten person is stored under (sql/engine/0024).
    public static let eventPlaceholder = "forgotten"
    /// The prefix of the opaque external id a forgotten contact keeps: `forgotten:<uuid>`.
    public static let tombstonePrefix = "forgotten:"
    /// The longest consent source a line, trait or request may carry.
    public static let maxConsentSourceBytes = 1_000

    /// Why an import line or an identify that names a forgotten person is refused.
    public static let refusal =
        "this person was forgotten (contacts forget); re-adding them needs a consent_source saying where their new consent was given"

    /// Why an event for a forgotten person is rejected (the same words as sql/engine/0024's trigger).
    public static let eventRefusal =
        "this person was forgotten (contacts forget): their events are not kept; to re-add them, import or identify them with a consent_source"

    /// The SQL expression of HMAC-SHA256 under the database's key of the text expression
    /// `value`, for a statement that joins `privacy_secret` as `alias`. The same as the
    /// function `privacy_digest` (a test checks both against swift-crypto), written inline
    /// because a function with a `SET` clause is planned again at every call.
    static func digest(_ value: String, secret alias: String = "ps") -> String {
        "sha256(\(alias).outer_pad || sha256(\(alias).inner_pad || convert_to(\(value), 'UTF8')))"
    }

    /// The normalised email (trimmed, lower-cased) as SQL, for an expression `email`.
    static func normalisedEmail(_ email: String) -> String { "lower(btrim(\(email)))" }
}
