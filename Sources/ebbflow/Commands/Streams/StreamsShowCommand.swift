// `ebbflow streams show`: one stored stream: its definition as stored, its version, and its members per version.
import ArgumentParser
import EbbflowEngine
import EbbflowOperations
import Foundation

struct StreamsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one stored stream's definition.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The stream's name.") var name: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = StreamOperations(schema: try connection.schemaName)
        let shown = try await operations.show(name: name, on: try await connection.connect())
        let (stream, members) = (shown.model.stream, shown.model.members)
        if json {
            // The layout this command has always printed (one line, the definition pretty); the
            // API sends `shown.document`, the same fields.
            let definition = String(decoding: try StreamOperations.definitionText(stream.definition), as: UTF8.self)
            let byVersion = members.map { "{\"version\": \($0.version), \"members\": \($0.members)}" }.joined(
                separator: ", ")
            print(
                """
                {\"version\": \(stream.version), \"updated_at\": \"\(Output.time(stream.updatedAt))\", \
                \"members\": [\(byVersion)], \"definition\": \(definition)}
                """
            )
            return
        }
        print(
            "stream \(stream.definition.name) · \(stream.definition.mode.rawValue)"
                + (stream.definition.priority.map { " · priority \($0)" } ?? "")
                + " · version \(stream.version) · updated \(Output.time(stream.updatedAt))")
        for (index, step) in stream.definition.steps.enumerated() {
            print("  \(index). \(step.id.map { "[\($0)] " } ?? "")\(Self.describe(step.action))")
        }
        if !stream.definition.exits.isEmpty { print("exits: \(stream.definition.exits.joined(separator: ", "))") }
        if let goal = stream.definition.goal { print("goal: \(goal.event) within \(goal.within)") }
        let total = members.reduce(0) { $0 + $1.members }
        print(
            "members: \(total)"
                + (members.isEmpty
                    ? "" : " (" + members.map { "version \($0.version): \($0.members)" }.joined(separator: ", ") + ")"))
    }

    static func describe(_ action: StreamDefinition.Action) -> String {
        switch action {
        case .send(let template, let experiment):
            "send \(template)"
                + (experiment.map {
                    " (experiment \($0.name) on \($0.metric.rawValue): \($0.variants.map(\.name).joined(separator: " / ")))"
                } ?? "")
        case .wait(let seconds): "wait \(DurationFormat.text(seconds))"
        case .branch(let kind, let within, let then, let otherwise):
            "if \(kind) within \(DurationFormat.text(within)) go to \(then), else \(otherwise)"
        case .goto(let target): "go to \(target)"
        case .end: "end"
        }
    }
}

/// Seconds as the largest whole unit: 259200 → 3d.
enum DurationFormat {
    static func text(_ seconds: Double) -> String {
        for (unit, size) in [("w", 604_800.0), ("d", 86_400.0), ("h", 3_600.0), ("m", 60.0)]
        where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
            return "\(Int(seconds / size))\(unit)"
        }
        return "\(Int(seconds))s"
    }
}
