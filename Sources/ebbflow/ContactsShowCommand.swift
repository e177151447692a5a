// `ebbflow contacts show`: One contact's whole story.
import ArgumentParser
import EbbflowEngine
import Foundation

struct ContactsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One contact's whole story.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The contact's external id.") var externalID: String
    @Flag(help: "Print JSON (the stable script contract).") var json = false

    func run() async throws {
        let schema = try connection.schemaName
        let (contacts, policies, id) = (ContactStore(schema: schema), PolicyStore(schema: schema), externalID)
        let database = try await connection.connect()
        guard let full = try await database.run({ connection in
            try contacts.show(externalID: id, policies: try policies.load(on: connection), on: connection)
        }) else { throw InputError("no contact with external id \"\(id)\"") }
        let view = full.contact
        if json {
            print(try Output.json([
                "external_id": view.externalID, "email": view.email ?? NSNull(), "segment": view.segment,
                "campaign_status": view.status.rawValue, "engagement_score": view.engagementScore,
                "last_engagement_at": view.lastEngagementAt.map { Output.time($0) } ?? NSNull(),
                "reactivation_cycle": full.reactivationCycle, "channel": view.channel,
                "transitions": full.transitions.map { ["from": $0.from, "to": $0.to, "reason": $0.reason, "at": Output.time($0.at)] },
                "sends": full.sends.map { ["flow": $0.flow, "step": $0.step, "template": $0.template, "channel": $0.channel, "at": Output.time($0.at)] as [String: Any] },
                "stream": full.stream.map { ["name": $0.name, "since": Output.time($0.since)] as [String: Any] } ?? NSNull(),
                "stream_decisions": full.streamDecisions.map { decision -> [String: Any] in
                    ["at": Output.time(decision.at), "trigger": decision.trigger, "from": decision.previous ?? NSNull(),
                     "to": decision.chosen ?? NSNull(), "reason": decision.reason,
                     "candidates": (try? JSONSerialization.jsonObject(with: decision.candidates.bytes)) ?? NSNull()]
                },
            ] as [String: Any]))
            return
        }
        print("""
            \(view.externalID) <\(view.email ?? "-")>, segment \(view.segment), channel \(view.channel)
              status:          \(view.status.rawValue)
              score:           \(String(format: "%.2f", view.engagementScore)) (decayed to now)
              last engagement: \(Output.time(view.lastEngagementAt))
              reactivations:   \(full.reactivationCycle)
            """)
        for step in full.transitions { print("  \(Output.time(step.at))  \(step.from) → \(step.to)  (\(step.reason))") }
        for send in full.sends { print("  \(Output.time(send.at))  sent \(send.template) (\(send.flow) step \(send.step), \(send.channel))") }
        print("  stream:          \(full.stream.map { "\($0.name) since \(Output.time($0.since))" } ?? "none")")
        for decision in full.streamDecisions {
            print("  \(Output.time(decision.at))  \(decision.trigger): \(decision.previous ?? "none") → \(decision.chosen ?? "none")  (\(decision.reason))")
        }
    }
}
