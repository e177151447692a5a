// The dispatcher's and deliverer's numbers from the environment (EBBFLOW_DELIVERY_BACKLOG, _CHUNK, _CONNECTIONS, EBBFLOW_SMTP_CONNECTIONS), bounded.
import Foundation

/// Why settable: the defaults (a backlog of 1,000 jobs, chunks of 200, 4 connections) suit a
/// relay taking thousands a second and a provider limited to 14 a second alike, but a slow
/// provider with a low rate limit needs a smaller backlog (every job waiting holds a lease of
/// 300 s: keep backlog ÷ rate under it), and a fast relay with a high `--concurrency` more
/// connections (database ones, and SMTP ones when a relay answers slower than a chunk is
/// rendered; relays cap connections per client, often at tens: the default is 4).
/// Why bounded: each is a count of rows, jobs or connections held at once.
enum DeliveryTuning {
    struct Setting: Sendable {
        let variable: String
        let bounds: ClosedRange<Int>
        let apply: @Sendable (inout DeliverySettings, Int) -> Void
    }

    static let all: [Setting] = [
        Setting(variable: "EBBFLOW_DELIVERY_BACKLOG", bounds: 1...100_000) { settings, value in
            settings.backlog = value
            // A tick never leases more than the backlog may hold.
            settings.batch = min(settings.batch, value)
        },
        Setting(variable: "EBBFLOW_DELIVERY_CHUNK", bounds: 1...1_000) { $0.chunkSize = $1 },
        Setting(variable: "EBBFLOW_DELIVERY_CONNECTIONS", bounds: 1...100) { $0.connections = $1 },
        Setting(variable: "EBBFLOW_SMTP_CONNECTIONS", bounds: 1...32) { $0.smtpConnections = $1 },
    ]

    /// The settings with each variable `value` returns applied; a value that is not a whole
    /// number within its bounds is refused, naming the variable and the bounds.
    static func settings(_ value: (String) -> String?) throws(DeliveryConfigurationError) -> DeliverySettings {
        var result = DeliverySettings()
        for setting in all {
            guard let text = value(setting.variable) else { continue }
            guard text.utf8.count <= 12, text.allSatisfy(\.isASCIIDigit), let number = Int(text),
                setting.bounds.contains(number)
            else {
                throw DeliveryConfigurationError(
                    "\(setting.variable) must be a whole number from \(setting.bounds.lowerBound) to \(setting.bounds.upperBound)"
                )
            }
            setting.apply(&result, number)
        }
        return result
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
