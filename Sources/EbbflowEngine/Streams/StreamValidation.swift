// Refuses a stream definition with a bad field, naming the field: kinds, targets, loops, locked streams that never end.
import EbbflowCore
import Foundation

/// A refused stream definition: which stream, which field, why.
public struct StreamError: Error, CustomStringConvertible, Sendable, Equatable {
    public var stream: String
    public var field: String
    public var reason: String
    public var description: String { "stream \(stream): \(field): \(reason)" }
}

extension StreamDefinition {
    /// Every stream of a YAML or JSON document: either one stream, or `streams: [...]`.
    /// All are validated; the first bad field refuses the whole document.
    public static func parse(_ data: Data, knownKinds: Set<String>) throws(StreamError) -> [StreamDefinition] {
        let streams: [StreamDefinition]
        do {
            streams = try DocumentItems.decode(data, as: StreamDefinition.self, kind: "stream", key: "streams")
        } catch {
            throw StreamError(stream: error.item, field: error.field, reason: error.reason)
        }
        var names = Set<String>()
        var experiments: [String: String] = [:]
        for stream in streams {
            guard names.insert(stream.name).inserted else {
                throw StreamError(stream: stream.name, field: "name", reason: "defined twice in this document")
            }
            try stream.validate(knownKinds: knownKinds)
            // An experiment's results are counted by name: two steps sharing one would mix them.
            for (index, step) in stream.steps.enumerated() {
                guard case .send(_, let experiment?) = step.action else { continue }
                let place = "\(stream.name) steps[\(index)]"
                if let other = experiments[experiment.name] {
                    throw StreamError(
                        stream: stream.name, field: "steps[\(index)].send.experiment.name",
                        reason: "\"\(experiment.name)\" is already the experiment of \(other)")
                }
                experiments[experiment.name] = place
            }
        }
        return streams
    }

    /// The first bound a stored definition breaks (fields that were read without bounds by
    /// older releases: priority, entry offset and re-entry, goal window), or nil. The step
    /// durations are bounded as they decode.
    func storedBoundsProblem() -> String? {
        do {
            if let priority { _ = try InputBounds.integer(priority, field: "priority", in: Self.priorityBounds) }
            if let offset = entry.offsetDays {
                _ = try InputBounds.integer(offset, field: "entry.offset_days", in: -366...366)
            }
            if let reentry = entry.reentryAfter { _ = try InputBounds.duration(reentry, field: "entry.reentry_after") }
            if let goal { _ = try InputBounds.duration(goal.within, field: "goal.within") }
        } catch {
            return error.description
        }
        return nil
    }

    /// Checks every field; throws the first bad one.
    public func validate(knownKinds: Set<String>) throws(StreamError) {
        func fail(_ field: String, _ reason: String) -> StreamError {
            StreamError(stream: name, field: field, reason: reason)
        }
        let kinds = knownKinds.union(PolicyDocument.businessEventKinds).union(PolicyDocument.unscoredEventKinds)
        func checkKind(_ kind: String, _ field: String) throws(StreamError) {
            guard kinds.contains(kind) else {
                throw fail(field, "unknown event kind \"\(kind)\" (known: \(kinds.sorted().joined(separator: ", ")))")
            }
        }
        guard !name.isEmpty, name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "_" }) else {
            throw fail("name", "\"\(name)\": use lower-case letters, digits and underscores")
        }
        func bounded(_ check: () throws(BoundError) -> Void) throws(StreamError) {
            do { try check() } catch { throw fail(error.field, "\(error.value): \(error.bound)") }
        }
        if let priority {
            try bounded { () throws(BoundError) in
                _ = try InputBounds.integer(priority, field: "priority", in: Self.priorityBounds)
            }
        }
        if let event = entry.event {
            try checkKind(event, "entry.event")
            // The runtime places no one on a consent event (StreamRuntime.decide): such a stream would never start.
            guard ConsentKind(rawValue: event) == nil else {
                throw fail(
                    "entry.event",
                    "\"\(event)\" is a consent event (no sign of interest): it enters no stream, though it may be an exit"
                )
            }
        }
        if let offset = entry.offsetDays {
            guard entry.dateAttribute != nil else { throw fail("entry.offset_days", "needs entry.date_attribute") }
            try bounded { () throws(BoundError) in
                _ = try InputBounds.integer(offset, field: "entry.offset_days", in: -366...366)
            }
        }
        if let reentry = entry.reentryAfter {
            guard entry.event == nil && entry.dateAttribute == nil else {
                throw fail(
                    "entry.reentry_after",
                    "only a standing stream (no entry event, no date) takes contacts back by itself")
            }
            try bounded { () throws(BoundError) in _ = try InputBounds.duration(reentry, field: "entry.reentry_after") }
        }
        for (index, kind) in exits.enumerated() { try checkKind(kind, "exits[\(index)]") }
        if let goal {
            try checkKind(goal.event, "goal.event")
            try bounded { () throws(BoundError) in _ = try InputBounds.duration(goal.within, field: "goal.within") }
        }
        try validateSteps(checkKind: checkKind, fail: fail)
    }

    private func validateSteps(
        checkKind: (String, String) throws(StreamError) -> Void,
        fail: (String, String) -> StreamError
    ) throws(StreamError) {
        guard !steps.isEmpty else { throw fail("steps", "a stream needs at least one step") }
        var ids: [String: Int] = [:]
        for (index, step) in steps.enumerated() {
            guard let id = step.id else { continue }
            guard ids[id] == nil else {
                throw fail("steps[\(index)].id", "\"\(id)\" is already the id of steps[\(ids[id]!)]")
            }
            ids[id] = index
        }
        func target(_ id: String, _ field: String) throws(StreamError) -> Int {
            guard let index = ids[id] else { throw fail(field, "no step has the id \"\(id)\"") }
            return index
        }
        // The step graph: each step's successors; falling off the last step ends the stream.
        var next: [[Int]] = []
        for (index, step) in steps.enumerated() {
            let following = index + 1 < steps.count ? [index + 1] : []
            switch step.action {
            case .send(let template, let experiment):
                guard !template.isEmpty else { throw fail("steps[\(index)].send", "a send needs a template") }
                if let experiment { try validate(experiment, field: "steps[\(index)].send.experiment", fail: fail) }
                next.append(following)
            case .wait:
                next.append(following)
            case .branch(let kind, _, let then, let otherwise):
                try checkKind(kind, "steps[\(index)].branch.if")
                next.append([
                    try target(then, "steps[\(index)].branch.then"),
                    try target(otherwise, "steps[\(index)].branch.else"),
                ])
            case .goto(let id):
                next.append([try target(id, "steps[\(index)].goto")])
            case .end:
                next.append([])
            }
        }
        // Every step reachable from the first: a step after an end that nothing leads to is a mistake.
        var reached = Set([0]), frontier = [0]
        while let step = frontier.popLast() {
            for successor in next[step] where reached.insert(successor).inserted { frontier.append(successor) }
        }
        if let lost = steps.indices.first(where: { !reached.contains($0) }) {
            throw fail("steps[\(lost)]", "no step leads here (it comes after an end or a goto)")
        }
        // Loops: each must send something and wait somewhere; a locked stream may not loop at all.
        for loop in StepGraph(next: next).loops() {
            let first = loop.min()!
            if mode == .locked {
                throw fail("mode", "a locked stream must end, but steps[\(loop.max()!)] leads back to steps[\(first)]")
            }
            if !loop.contains(where: { if case .send = steps[$0].action { true } else { false } }) {
                throw fail(
                    "steps[\(first)]",
                    "a loop of waits and branches with no send (steps \(loop.sorted().map(String.init).joined(separator: ", ")))"
                )
            }
            if !loop.contains(where: { if case .wait = steps[$0].action { true } else { false } }) {
                throw fail("steps[\(first)]", "a loop of sends with no wait would mail the contact without pause")
            }
        }
    }

    private func validate(_ experiment: Experiment, field: String, fail: (String, String) -> StreamError)
        throws(StreamError)
    {
        guard !experiment.name.isEmpty else { throw fail("\(field).name", "an experiment needs a name") }
        guard experiment.variants.count >= 2 else {
            throw fail("\(field).variants", "an experiment needs at least two variants")
        }
        var names = Set<String>()
        for (index, variant) in experiment.variants.enumerated() {
            guard names.insert(variant.name).inserted else {
                throw fail("\(field).variants[\(index)].name", "\"\(variant.name)\" appears twice")
            }
            guard !variant.template.isEmpty else {
                throw fail("\(field).variants[\(index)].template", "a variant needs a template")
            }
            if let weight = variant.weight, !(weight > 0 && weight <= Self.maxWeight) {
                throw fail(
                    "\(field).variants[\(index)].weight",
                    "\(weight): must be more than 0 and at most \(Int(Self.maxWeight))")
            }
        }
    }

    /// A stream's manual priority: 0 (none) to 1000; the arbiter orders by it.
    public static let priorityBounds = 0...1_000
    /// The largest weight of an experiment's variant (weights are relative).
    public static let maxWeight = 1_000.0
}

/// The loops of a stream's step graph (its strongly connected components with a cycle), by Tarjan's algorithm.
struct StepGraph {
    let next: [[Int]]

    func loops() -> [[Int]] {
        var index = 0
        var indices = [Int?](repeating: nil, count: next.count), lowLinks = [Int](repeating: 0, count: next.count)
        var onStack = [Bool](repeating: false, count: next.count), stack: [Int] = [], found: [[Int]] = []
        func visit(_ node: Int) {
            indices[node] = index
            lowLinks[node] = index
            index += 1
            stack.append(node)
            onStack[node] = true
            for successor in next[node] {
                if indices[successor] == nil {
                    visit(successor)
                    lowLinks[node] = min(lowLinks[node], lowLinks[successor])
                } else if onStack[successor] {
                    lowLinks[node] = min(lowLinks[node], indices[successor]!)
                }
            }
            guard lowLinks[node] == indices[node] else { return }
            var component: [Int] = []
            while let member = stack.popLast() {
                onStack[member] = false
                component.append(member)
                if member == node { break }
            }
            if component.count > 1 || next[node].contains(node) { found.append(component) }
        }
        for node in next.indices where indices[node] == nil { visit(node) }
        return found.sorted { $0.min()! < $1.min()! }
    }
}
