// A message template as its author writes it: name, subject, html and/or text, from, reply_to; parsed strictly and bounded.
import EbbflowCore
import Foundation

/// One template, in YAML or JSON:
/// ```yaml
/// name: welcome_1
/// subject: "Welcome, {{attributes.first_name}}"
/// html: "<p>Hello {{attributes.first_name}}, <a href=\"https://example.com/start\">start here</a>.</p>"
/// text: "Hello {{attributes.first_name}}, start here: https://example.com/start"
/// from: "Example <news@example.com>"
/// reply_to: help@example.com
/// ```
/// Why every text is bounded: a template is rendered for every send of every flow that names
/// it, so a megabyte body or a runaway section would cost on every message, and a subject with
/// a line break would end up as a header of its own.
public struct TemplateDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var subject: String
    public var html: String?
    public var text: String?
    /// The sender (`Name <address>` or an address); nil: delivery uses `EBBFLOW_FROM`.
    public var from: String?
    public var replyTo: String?

    enum CodingKeys: String, CodingKey { case name, subject, html, text, from, replyTo = "reply_to" }

    public init(
        name: String, subject: String, html: String? = nil, text: String? = nil, from: String? = nil,
        replyTo: String? = nil
    ) {
        self.name = name
        self.subject = subject
        self.html = html
        self.text = text
        self.from = from
        self.replyTo = replyTo
    }

    /// A name: 1 to 100 ASCII letters, digits, `_`, `-` and `.`, starting with a letter or a
    /// digit (what flows and streams name in `template:`; safe in a URL path and a metric label).
    public static let maxNameLength = 100
    /// RFC 5322's line limit: a subject longer than a header line can be is refused as written.
    public static let maxSubjectBytes = 998
    /// 512 KiB of HTML: Gmail clips a message's HTML beyond about 102 KB, so this is far above any real template.
    public static let maxHTMLBytes = 512 * 1024
    public static let maxTextBytes = 256 * 1024
    /// An address with a display name: 254 bytes of address (RFC 5321's path limit) and a name.
    public static let maxAddressBytes = 320

    /// Checks every field; throws the first bad one, naming the template and the field.
    public func validate() throws(TemplateError) {
        func fail(_ field: String, _ reason: String) -> TemplateError {
            TemplateError(template: name, field: field, reason: reason)
        }
        func bounded(_ check: () throws(BoundError) -> Void) throws(TemplateError) {
            do { try check() } catch { throw fail(error.field, "\(error.value): \(error.bound)") }
        }
        guard Self.isValidName(name) else {
            throw fail(
                "name",
                "\"\(name.prefix(120))\": 1 to \(Self.maxNameLength) ASCII letters, digits, _, - and ., starting with a letter or digit"
            )
        }
        guard !subject.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("subject", "is empty") }
        try bounded { () throws(BoundError) in
            _ = try InputBounds.bytes(subject, field: "subject", maximum: Self.maxSubjectBytes)
        }
        guard !subject.contains(where: \.isNewline) else {
            throw fail("subject", "contains a line break: a subject is one line")
        }
        guard html != nil || text != nil else { throw fail("html", "a template needs html, text or both") }
        if let html {
            guard !html.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("html", "is empty") }
            try bounded { () throws(BoundError) in
                _ = try InputBounds.bytes(html, field: "html", maximum: Self.maxHTMLBytes, unit: "512 KiB")
            }
        }
        if let text {
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("text", "is empty") }
            try bounded { () throws(BoundError) in
                _ = try InputBounds.bytes(text, field: "text", maximum: Self.maxTextBytes, unit: "256 KiB")
            }
        }
        for (field, value) in [("from", from), ("reply_to", replyTo)] {
            guard let value else { continue }
            try bounded { () throws(BoundError) in
                _ = try InputBounds.bytes(value, field: field, maximum: Self.maxAddressBytes)
            }
            if let problem = Self.addressProblem(value) { throw fail(field, problem) }
        }
        for (field, source, kind) in [
            ("subject", Optional(subject), MustacheSource.Kind.text), ("html", html, .html), ("text", text, .text),
        ] {
            guard let source else { continue }
            do {
                _ = try MustacheSource.compile(source, kind: kind)
            } catch {
                throw fail(field, error.description)
            }
        }
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= maxNameLength else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
        return alphanumeric(first)
            && name.utf8.allSatisfy {
                alphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            }
    }

    /// Why an address (already bounded by `maxAddressBytes`) is refused, or nil: no control
    /// character (it becomes a header), and either `local@domain` or `Display Name <local@domain>`.
    static func addressProblem(_ value: String) -> String? {
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return "contains a control character or a line break"
        }
        var address = value.trimmingCharacters(in: .whitespaces)
        if address.hasSuffix(">"), let open = address.lastIndex(of: "<") {
            address = String(address[address.index(after: open)..<address.index(before: address.endIndex)])
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), !address.contains(where: { $0 == " " || $0 == "<" || $0 == ">" })
        else {
            return
                "\"\(value.prefix(80))\" is not an address such as news@example.com or \"Example <news@example.com>\""
        }
        return nil
    }
}

/// A refused template: which template, which field, why (for a Mustache error, the line).
public struct TemplateError: Error, CustomStringConvertible, Sendable, Equatable {
    public var template: String
    public var field: String
    public var reason: String
    public init(template: String, field: String, reason: String) {
        self.template = template
        self.field = field
        self.reason = reason
    }
    public var description: String { "template \(template): \(field): \(reason)" }
}

extension TemplateDefinition {
    /// Every template of a YAML or JSON document: either one template, or `templates: [...]`.
    /// All are validated; the first bad field refuses the whole document.
    public static func parse(_ data: Data) throws(TemplateError) -> [TemplateDefinition] {
        let templates: [TemplateDefinition]
        do {
            templates = try DocumentItems.decode(data, as: TemplateDefinition.self, kind: "template", key: "templates")
        } catch {
            throw TemplateError(template: error.item, field: error.field, reason: error.reason)
        }
        var names = Set<String>()
        for template in templates {
            guard names.insert(template.name).inserted else {
                throw TemplateError(template: template.name, field: "name", reason: "defined twice in this document")
            }
            try template.validate()
        }
        return templates
    }
}
