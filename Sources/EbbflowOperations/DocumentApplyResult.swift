// What `streams apply` and `templates apply` report: one line per document and the same in JSON, written once for both.
import EbbflowEngine

/// What applying a document did to each stream or template in it, in document order.
public struct DocumentApplyResult: Sendable {
    public var outcomes: [(name: String, outcome: VersionedApplyOutcome)]
    /// The lines the CLI prints, one per stream or template.
    public var lines: [String]
    /// `{"<kind>s": [{"name", "outcome": "created"|"updated"|"unchanged", "version"?}]}`.
    public var document: JSONDocument

    /// `kind` names one document ("stream", "template"). `createdVersion`: a created one says
    /// its version 1 too (templates do: a send names the version it was decided with).
    init(kind: String, outcomes: [(name: String, outcome: VersionedApplyOutcome)], createdVersion: Bool) {
        var lines: [String] = []
        var items: [JSONDocument] = []
        for (name, outcome) in outcomes {
            switch outcome {
            case .created where createdVersion:
                lines.append("\(kind) \(name) created (version 1)")
                items.append(["name": .string(name), "outcome": "created", "version": 1])
            case .created:
                lines.append("\(kind) \(name) created")
                items.append(["name": .string(name), "outcome": "created"])
            case .updated(let version):
                lines.append("\(kind) \(name) updated (version \(version))")
                items.append(["name": .string(name), "outcome": "updated", "version": .whole(version)])
            case .unchanged:
                lines.append("\(kind) \(name) unchanged")
                items.append(["name": .string(name), "outcome": "unchanged"])
            }
        }
        self.outcomes = outcomes
        self.lines = lines
        document = ["\(kind)s": .array(items)]
    }
}

/// What applying a document did to each template in it.
public typealias TemplateApplyResult = DocumentApplyResult
/// What applying a document did to each stream in it.
public typealias StreamApplyResult = DocumentApplyResult
