// Reads the deployment files (docker-compose.yml, deploy/) for the tests that check what they promise.
import Foundation
import Testing
import Yams

/// Why one reader: the compose and Kubernetes tests ask the same questions of YAML (the value
/// after a flag, a duration, a URL's role), and a check that parses a file loosely could pass a
/// file Docker or the API server would read differently.
enum DeploymentFiles {
    typealias Mapping = [String: Any]

    /// The repository root, from this file's place in it.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path)
    }

    /// A file holding one YAML mapping.
    static func yaml(_ path: String) throws -> Mapping {
        try #require(try Yams.load(yaml: text(path)) as? Mapping, "\(path) is a mapping")
    }

    /// Every document of a file (`---` separated), each a mapping.
    static func documents(_ path: String) throws -> [Mapping] {
        try Yams.load_all(yaml: text(path)).map { document in
            try #require(document as? Mapping, "every document of \(path) is a mapping")
        }
    }

    /// The YAML files directly under a directory of the repository, sorted.
    static func yamlFiles(under directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(directory).path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(directory)/\($0)" }
    }

    static func mapping(_ value: Any?) -> Mapping { (value as? Mapping) ?? [:] }

    static func list(_ value: Any?) -> [Any] { (value as? [Any]) ?? [] }

    /// A list of scalars as text: YAML reads an unquoted `8080` as a number, Docker and
    /// Kubernetes pass it as the same text.
    static func strings(_ value: Any?) -> [String] {
        list(value).map { "\($0)" }
    }

    /// A scalar as text, or nil.
    static func string(_ value: Any?) -> String? { value.map { "\($0)" } }

    /// The value after `flag` in an argument list (`--port 8080`, or `--port=8080`).
    static func value(of flag: String, in arguments: [String]) -> String? {
        if let index = arguments.firstIndex(of: flag), index + 1 < arguments.count { return arguments[index + 1] }
        return arguments.first { $0.hasPrefix(flag + "=") }.map { String($0.dropFirst(flag.count + 1)) }
    }

    /// Seconds of a compose duration (`45s`, `1m30s`, `2h`), or nil for anything else.
    static func seconds(_ duration: String) -> Double? {
        var total = 0.0
        var number = ""
        var sawUnit = false
        for character in duration {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            let unit: Double
            switch character {
            case "h": unit = 3_600
            case "m": unit = 60
            case "s": unit = 1
            default: return nil
            }
            guard let value = Double(number) else { return nil }
            total += value * unit
            number = ""
            sawUnit = true
        }
        return sawUnit && number.isEmpty ? total : nil
    }

    /// The parts of a `postgresql://` URL the checks compare: who connects, to what.
    struct DatabaseURL: Equatable {
        var user: String
        var host: String
        var port: Int
        var password: String?

        init?(_ text: String) {
            guard let components = URLComponents(string: text), components.scheme == "postgresql",
                let user = components.user, let host = components.host
            else { return nil }
            self.user = user
            self.host = host
            self.port = components.port ?? 5432
            self.password = components.password
        }
    }

    /// An INI file's `key = value` lines by section (`;` and `#` start comments), as pgbouncer reads it.
    static func ini(_ path: String) throws -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var section = ""
        for rawLine in try text(path).split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix(";") || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            sections[section, default: [:]][parts[0]] = parts.count == 2 ? parts[1] : ""
        }
        return sections
    }

    /// The seconds a process may take after SIGTERM beyond its --shutdown-timeout: the watchdog
    /// (`ShutdownWatchdog.grace`) ends it 15 s after the timeout, and a grace period must outlast
    /// that with a margin, or the orchestrator's SIGKILL races the watchdog's own exit.
    static let watchdogAllowance = 20.0
}
