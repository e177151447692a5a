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
        guard
            let full = try await database.run({ connection in
                try contacts.show(externalID: id, policies: try policies.load(on: connection), on: connection)
            })
        else { throw InputError("no contact with external id \"\(id)\"") }
        let view = full.contact
        if json {
            print(
                try Output.json(
                    [
                        "external_id": view.externalID, "email": view.email ?? NSNull(), "segment": view.segment,
                        "campaign_status": view.status.rawValue, "engagement_score": view.engagementScore,
                        "last_engagement_at": view.lastEngagementAt.map { Output.time($0) } ?? NSNull(),
                        "reactivation_cycle": full.reactivationCycle, "channel": view.channel,
                        "transitions": full.transitions.map {
                            ["from": $0.from, "to": $0.to, "reason": $0.reason, "at": Output.time($0.at)]
                        },
                        "sends": full.sends.map {
                            [
                                "flow": $0.flow, "step": $0.step, "template": $0.template, "channel": $0.channel,
                                "at": Output.time($0.at),
                            ] as [String: Any]
                        },
                        "stream": full.stream.map {
                            ["name": $0.name, "since": Output.time($0.since)] as [String: Any]
                        } ?? NSNull(),
                        "stream_decisions": full.streamDecisions.map { decision -> [String: Any] in
                            [
                                "at": Output.time(decision.at), "trigger": decision.trigger,
                                "from": decision.previous ?? NSNull(),
                                "to": decision.chosen ?? NSNull(), "reason": decision.reason,
                                "candidates": (try? JSONSerialization.jsonObject(with: decision.candidates.bytes))
                                    ?? NSNull(),
                            ]
                        },
                        // Added fields; the ones above keep their names and shapes.
                        "attributes": (try? JSONSerialization.jsonObject(with: full.attributes.bytes))
                            ?? [String: Any](),
                        "events": full.events.map { event -> [String: Any] in
                            [
                                "id": event.id, "kind": event.kind, "occurred_at": Output.time(event.occurredAt),
                                "source": event.source,
                                "points": event.points ?? NSNull(), "machine_open": event.machineOpen,
                                "url": event.url ?? NSNull(),
                                "rejection": event.rejection ?? NSNull(),
                                "settled_at": event.settledAt.map { Output.time($0) } ?? NSNull(),
                            ]
                        },
                        "timeline": full.timeline.map { ["at": Output.time($0.at), "type": $0.type, "text": $0.text] },
                    ] as [String: Any]))
            return
        }
        print(
            """
            \(view.externalID) <\(view.email ?? "-")>, segment \(view.segment), channel \(view.channel)
              status:          \(view.status.rawValue)
              score:           \(String(format: "%.2f", view.engagementScore)) (decayed to now)
              last engagement: \(Output.time(view.lastEngagementAt))
              reactivations:   \(full.reactivationCycle)
              stream:          \(full.stream.map { "\($0.name) since \(Output.time($0.since))" } ?? "none")
              attributes:      \(String(decoding: full.attributes.bytes, as: UTF8.self))
              timeline (oldest first):
            """)
        for entry in full.timeline {
            print(
                "  \(Output.time(entry.at))  \(entry.type.padding(toLength: 15, withPad: " ", startingAt: 0)) \(entry.text)"
            )
        }
        if full.timeline.isEmpty { print("  (nothing yet)") }
    }
}
