// The consent rules of a contact import, run on its staging table: forgotten people, lifted suppressions, re-additions.
import EbbflowCore
import Foundation
import PostgresClient

extension ContactImportSQL {
    /// Lines naming a forgotten person (without a consent source) or a forgotten contact's
    /// tombstone leave the staging table, each with its reason. `tombstones`: whether a line's
    /// external id starts `forgotten:`. Why the gate: the statement reads every staged line,
    /// so it runs only when a digest exists or a line may name a tombstone.
    func rejectForgottenLines(tombstones: Bool, on connection: isolated PGConnection) throws -> [RejectedLine] {
        let anyDigests: Bool = try connection.query(anyDigests).first!.decode("found")
        guard tombstones || anyDigests else { return [] }
        return try connection.query(rejectForgotten).rows.map { row in
            RejectedLine(
                line: try row.decode("line"),
                reason: try row.decode("person", as: Bool.self)
                    ? ForgottenPeople.refusal
                    : "this contact was forgotten (contacts forget): its anonymous record cannot be changed")
        }
    }

    /// Status changes the state machine refuses an import, and lifts of a suppression without a
    /// consent source or of one an import never lifts, leave the staging table with their reason.
    func rejectStatusChanges(on connection: isolated PGConnection) throws -> [RejectedLine] {
        try connection.query(rejectIllegalStatusChanges).rows.map { row in
            let from = CampaignStatus(rawValue: try row.decode("from_status")) ?? .active
            let to = CampaignStatus(rawValue: try row.decode("to_status")) ?? .active
            let legal = Self.legalChanges
            let isLegal = zip(legal.from, legal.to).contains { $0 == (from.rawValue, to.rawValue) }
            return RejectedLine(
                line: try row.decode("line"),
                reason: isLegal
                    ? Self.liftRefusal(to: to, suppressionReason: try row.decode("suppression_reason"))
                    : Self.refusal(from: from, to: to))
        }
    }

    /// Forgotten people that lines with a consent source re-added: digests removed, audit rows
    /// written. Returns how many. `via` is who asked ('import', 'identify').
    func readd(via: String, on connection: isolated PGConnection) throws -> Int {
        try connection.query(readdForgotten, [via]).first!.decode("readded")
    }
}
