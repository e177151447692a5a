// Which suppression reason a suppressed contact keeps when another one arrives: the stronger.
import Foundation

/// The order of suppression reasons, weakest first. Why an order: a contact suppressed for a
/// complaint that later unsubscribes must stay suppressed *for the complaint*, or a resubscribe
/// (which lifts only `unsubscribed`) would put a person who reported spam back in the audience.
/// The order is by how final the fact is and who stated it:
/// - `forgotten`: erased on request; nothing but a re-add with consent brings it back.
/// - `complaint`: the person reported spam; permanent, no event lifts it.
/// - `hard_bounce`: the address does not exist.
/// - `unsubscribed`: the person's own refusal; a resubscribe with its consent source lifts it.
/// - `soft_bounce_limit`: repeated temporary failures; a fact about the mailbox, not the person,
///   so an unsubscribe (which the person may later lift) outranks it.
/// - `manual_suppression`: an administrator's judgement; any fact above outranks it.
/// - `reactivation_exhausted`: the engine's own judgement of a long silence.
/// A reason not listed (an import's, a later release's) ranks below all of these, so a known
/// reason always replaces it. Administrators may lift any reason (`contacts unsuppress`).
public enum SuppressionStrength {
    public static let weakestFirst: [TransitionReason] = [
        .reactivationExhausted, .manualSuppression, .softBounceLimit, .unsubscribed, .hardBounce, .complaint,
        .forgotten,
    ]

    /// The rank of a stored reason; -1 for none or one not in the order.
    public static func rank(_ reason: String?) -> Int {
        reason.flatMap { text in weakestFirst.firstIndex { $0.rawValue == text } } ?? -1
    }

    /// The reason a contact suppressed for `current` keeps when `incoming` arrives: the stronger
    /// one; on a tie, the one it has.
    public static func kept(current: String?, incoming: TransitionReason) -> String {
        guard let current, rank(current) >= rank(incoming.rawValue) else { return incoming.rawValue }
        return current
    }
}
