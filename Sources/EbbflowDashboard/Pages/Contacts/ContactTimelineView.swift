// One timeline entry as the contact page shows it: when, which kind, and what it says.
import EbbflowEngine
import Foundation

enum ContactTimelineView {
    static func entry(_ item: ContactTimelineItem, now: Date) -> [String: any Sendable] {
        var entry: [String: any Sendable] = [
            "at": ViewFormat.time(item.at), "ago": ViewFormat.relative(item.at, now: now),
        ]
        switch item.detail {
        case .event(let event):
            entry["kind"] = "event"
            var flags: [String] = []
            if event.machineOpen { flags.append("machine open") }
            if event.bot { flags.append("bot click") }
            if let rejection = event.rejection { flags.append("rejected: \(rejection)") }
            if event.settledAt == nil { flags.append("waiting to be applied") }
            entry["title"] = event.kind
            entry["text"] =
                "from \(event.source)" + (event.points.map { ", \($0) points" } ?? "")
                + (event.url.map { ", \($0.prefix(200))" } ?? "")
            entry["flags"] = flags.joined(separator: "; ")
        case .transition(let transition):
            entry["kind"] = "transition"
            entry["title"] = "\(transition.from.rawValue) → \(transition.to.rawValue)"
            entry["text"] = transition.reason + (transition.detail.map { ": \($0.prefix(300))" } ?? "")
        case .send(let send):
            entry["kind"] = "send"
            entry["title"] = "\(send.template) (\(send.channel))"
            var text = "\(send.flow) step \(send.step + 1): \(send.state)"
            if send.attempts > 0 { text += ", \(send.attempts) attempt\(send.attempts == 1 ? "" : "s")" }
            if let experiment = send.experiment { text += "; experiment \(experiment), variant \(send.variant ?? "?")" }
            entry["text"] = text
            var flags: [String] = []
            if let error = send.lastError { flags.append("last error: \(error.prefix(300))") }
            if let reason = send.cancelReason { flags.append("cancelled: \(reason)") }
            entry["flags"] = flags.joined(separator: "; ")
        case .decision(let decision):
            entry["kind"] = "decision"
            entry["title"] = "arbiter: \(decision.chosen ?? "no stream")"
            entry["text"] =
                "on \(decision.trigger)" + (decision.previous.map { ", was in \($0)" } ?? "") + "; \(decision.reason)"
            entry["candidates"] = candidates(decision.candidates.bytes)
        }
        return entry
    }

    /// The arbiter's candidates as rows: stream, priority, mean, draw.
    static func candidates(_ json: Data) -> [[String: any Sendable]] {
        guard let list = (try? JSONSerialization.jsonObject(with: json)) as? [[String: Any]] else { return [] }
        func number(_ value: Any?) -> String {
            if let value = value as? Double { return String(format: "%.3f", value) }
            if let value = value as? Int { return "\(value)" }
            return "–"
        }
        return list.prefix(20).map { candidate in
            [
                "stream": (candidate["stream"] as? String) ?? "?", "priority": number(candidate["priority"]),
                "mean": number(candidate["mean"]), "draw": number(candidate["draw"]),
            ]
        }
    }
}
