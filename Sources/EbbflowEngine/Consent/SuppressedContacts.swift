// What follows a suppression in its own transaction: nothing pending is left to send to the contact.
import EbbflowCore
import Foundation
import PostgresClient

/// Ends everything that would mail a contact just suppressed: its sends waiting for an attempt
/// are cancelled (`SuppressedSends`), its pending flow steps, flow
/// wait ends, reactivation steps and stream steps are cancelled (kept as cancelled jobs, with
/// the reason), and its stream membership ends with a logged decision (`contact_suppressed`).
/// Why one place for every path: an event (`SuppressionConsumer`: unsubscribe, complaint,
/// bounces, consent withdrawal, from the API, the provider webhooks, one-click links and
/// delivery's own hard bounces), an administrator (`ContactConsent.suppress`) and the end of
/// a reactivation cycle (`ReactivationCycle`) must cancel exactly the same things. Why cancel at all, when
/// every send re-checks the contact under its lock: a cancelled step is visible (`jobs list`,
/// `contacts show`) and costs no worker a wake-up, and a stream membership left in place would
/// keep the contact in a journey it can no longer receive. A step already running waits for
/// the contact's lock, which the caller holds, and then finds it suppressed.
struct SuppressedContacts: Sendable {
    let schema: SchemaName

    /// `contacts`: each suppressed contact (locked by the caller) with its suppression reason,
    /// and the event that suppressed it when one did.
    func cleanUp(
        _ contacts: [(id: Int64, reason: String, eventID: Int64?)], now: Date, on connection: isolated PGConnection
    ) throws {
        guard !contacts.isEmpty else { return }
        try SuppressedSends(schema: schema).cancel(contacts.map(\.id).sorted(), now: now, on: connection)
        let jobs = ContactJobs(schema: schema)
        for (reason, group) in Dictionary(grouping: contacts, by: \.reason).sorted(by: { $0.key < $1.key }) {
            try jobs.cancel(
                group.map(\.id).sorted(),
                kinds: [FlowStepJob.self, FlowWaitEndJob.self, ReactivationStepJob.self, StreamStepJob.self], now: now,
                reason: "contact suppressed (\(reason)): nothing more is sent to it", on: connection)
        }
        let sql = StreamSQL(schema: schema)
        var streams: [Int64: String] = [:]
        for row in try connection.query(sql.membershipsOf, [contacts.map(\.id)]).rows {
            streams[try row.decode("contact_id")] = try row.decode("stream")
        }
        let members = contacts.filter { streams[$0.id] != nil }
        guard !members.isEmpty else { return }
        try connection.execute(sql.leaveStreams, [members.map(\.id)])
        let decision = ArbiterDecision(chosen: nil, reason: .contactSuppressed, candidates: [])
        let none = try StreamRuntime.candidatesJSON(decision)
        try connection.execute(
            sql.recordDecisions,
            [
                members.map(\.id), members.map { "suppressed:\($0.reason)" }, members.map(\.eventID),
                members.map { streams[$0.id] }, members.map { _ in String?.none },
                members.map { _ in decision.reason.rawValue }, members.map { _ in none }, now,
            ])
    }
}

/// The applied events that left a contact suppressed: its pending sends end in the events' own
/// transaction. Wired last in `EngineEventConsumers`, after the streams: an event that put a
/// contact in a stream and then a later one of the same batch that suppressed it must end that
/// membership too.
struct SuppressionConsumer: AppliedEventsConsumer {
    let schema: SchemaName

    func eventsApplied(_ batch: AppliedEventBatch, on connection: isolated PGConnection) throws {
        // Each contact's last status change of the batch: suppressed at the end is what counts.
        var last: [Int64: AppliedEvent] = [:]
        for event in batch.applied where event.reason != nil { last[event.contactID] = event }
        let suppressed = last.values.filter { $0.to == .suppressed }.sorted { $0.contactID < $1.contactID }
        try SuppressedContacts(schema: schema).cleanUp(
            suppressed.map { ($0.contactID, $0.reason!.rawValue, $0.eventID) }, now: batch.now, on: connection)
    }
}
