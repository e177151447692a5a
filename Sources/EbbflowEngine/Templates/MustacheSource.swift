// A template text compiled with swift-mustache: parse errors mapped to a line, the tags ebbflow refuses, the variables to check.
import Foundation
import Mustache

/// One compiled text of a template version (its subject, HTML or text).
///
/// Why ebbflow refuses some Mustache: partials (`{{> x}}`), inheritance (`{{< x}}`, `{{$ x}}`)
/// and pragmas (`{{% x}}`) name templates or settings a stored template cannot reach (and a
/// block outside a parent stops swift-mustache's renderer with a fatal error); a changed
/// delimiter (`{{= <% %> =}}`) would hide the tags this check reads. Sections nest at most
/// `maxSectionDepth` levels: each level multiplies the output by a list's length.
public struct MustacheSource: Sendable {
    public enum Kind: Sendable {
        /// `{{x}}` is HTML-escaped, as Mustache does.
        case html
        /// Subjects and text parts: nothing is escaped (an `&` in a name stays `&`).
        case text
    }

    let template: MustacheTemplate
    /// The dotted paths of the variables used outside any section (`attributes.first_name`):
    /// the ones a render can tell are missing. Inside a section a name is looked up in the
    /// section's item first, so its absence there says nothing.
    let variables: [[String]]

    public static let maxSectionDepth = 3

    /// Why the prefix is on the first line, not a line of its own: line numbers of errors stay the author's.
    private static let textPrefix = "{{%CONTENT_TYPE:TEXT}}"

    /// The compiled text, or the first problem with its line (`line 3: ...`).
    public static func compile(_ source: String, kind: Kind) throws(MustacheSourceError) -> MustacheSource {
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: kind == .text ? textPrefix + source : source)
        } catch let error as MustacheTemplate.ParserError {
            throw MustacheSourceError(line: error.context.lineNumber, reason: Self.describe(error.error))
        } catch {
            throw MustacheSourceError(line: nil, reason: "does not parse as Mustache: \(error)")
        }
        return MustacheSource(template: template, variables: try scan(source))
    }

    /// The rendered text for `context`.
    func render(_ context: [String: Any]) -> String { template.render(context) }

    /// The variables of `variables` that `context` has no value for.
    func missing(in context: [String: Any]) -> [String] {
        var missing: [String] = []
        for path in variables where !Self.resolves(path, in: context) { missing.append(path.joined(separator: ".")) }
        return missing
    }

    static func resolves(_ path: [String], in context: [String: Any]) -> Bool {
        var current: Any = context
        for name in path {
            guard let object = current as? [String: Any], let next = object[name] else { return false }
            current = next
        }
        return true
    }

    /// Walks the tags as swift-mustache reads them (default delimiters: a changed one is
    /// refused here), refusing the kinds above and noting top-level variables.
    static func scan(_ source: String) throws(MustacheSourceError) -> [[String]] {
        let bytes = Array(source.utf8)
        var variables: [[String]] = [], seen = Set<String>()
        var index = 0, depth = 0
        func line(at position: Int) -> Int { 1 + bytes[..<position].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }
        func find(_ needle: [UInt8], from start: Int) -> Int? {
            guard needle.count <= bytes.count else { return nil }
            var at = start
            search: while at + needle.count <= bytes.count {
                for offset in 0..<needle.count where bytes[at + offset] != needle[offset] {
                    at += 1
                    continue search
                }
                return at
            }
            return nil
        }
        let open: [UInt8] = Array("{{".utf8), close: [UInt8] = Array("}}".utf8),
            closeTriple: [UInt8] = Array("}}}".utf8)
        func note(_ raw: ArraySlice<UInt8>) {
            guard depth == 0 else { return }
            var name = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            // A transform (`uppercased(name)`) applies to the innermost name.
            if let paren = name.lastIndex(of: "(") {
                name = String(name[name.index(after: paren)...].prefix { $0 != ")" })
            }
            while name.hasPrefix(".") { name.removeFirst() }
            guard !name.isEmpty, seen.insert(name).inserted else { return }
            variables.append(name.split(separator: ".").map(String.init))
        }
        while let start = find(open, from: index) {
            let tag = start + 2
            guard tag < bytes.count else { break }
            let kind = bytes[tag]
            switch kind {
            case UInt8(ascii: "{"):
                guard let end = find(closeTriple, from: tag + 1) else { return variables }
                note(bytes[(tag + 1)..<end])
                index = end + 3
                continue
            case UInt8(ascii: ">"), UInt8(ascii: "<"), UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "%"):
                let what: String =
                    switch kind {
                    case UInt8(ascii: ">"): "partials ({{> name}})"
                    case UInt8(ascii: "<"), UInt8(ascii: "$"): "template inheritance ({{< name}}, {{$ block}})"
                    case UInt8(ascii: "="): "changing the delimiters ({{= ... =}})"
                    default: "pragmas ({{% ...}})"
                    }
                throw MustacheSourceError(
                    line: line(at: start), reason: "\(what) are not supported in ebbflow templates")
            default: break
            }
            guard let end = find(close, from: tag) else { return variables }
            switch kind {
            case UInt8(ascii: "!"): break
            case UInt8(ascii: "#"), UInt8(ascii: "^"):
                depth += 1
                guard depth <= maxSectionDepth else {
                    throw MustacheSourceError(
                        line: line(at: start), reason: "sections nest deeper than \(maxSectionDepth) levels")
                }
            case UInt8(ascii: "/"): depth = max(0, depth - 1)
            case UInt8(ascii: "&"): note(bytes[(tag + 1)..<end])
            default: note(bytes[tag..<end])
            }
            index = end + 2
        }
        return variables
    }

    static func describe(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "does not parse as Mustache: \(error)" }
        return switch error {
        case .sectionCloseNameIncorrect: "a section is closed with another name than it was opened with"
        case .unfinishedName: "a tag is not closed, or its name has characters a name cannot have"
        case .expectedSectionEnd: "a section is opened and never closed"
        case .invalidSetDelimiter: "a delimiter change ({{= ... =}}) is malformed"
        case .transformAppliedToInheritanceSection: "a transform is applied to an inheritance section"
        case .illegalTokenInsideInheritSection: "a tag that cannot be inside an inheritance section"
        case .textInsideInheritSection: "text inside an inheritance section"
        case .invalidConfigVariableSyntax: "a pragma ({{% ...}}) is malformed"
        case .unrecognisedConfigVariable: "an unknown pragma"
        }
    }
}

/// A Mustache text that does not compile: where (its line, from 1) and why.
public struct MustacheSourceError: Error, CustomStringConvertible, Sendable, Equatable {
    public var line: Int?
    public var reason: String
    public var description: String { line.map { "line \($0): \(reason)" } ?? reason }
}
