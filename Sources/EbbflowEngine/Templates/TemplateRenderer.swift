// Renders leased sends from their template versions for their contacts: one read per batch, compiled templates cached, links tracked.
import Crypto
import EbbflowCore
import Foundation
import Metrics
import PostgresClient

/// What delivery calls for each batch it leased. Why one set-based read: a batch of a thousand
/// sends needs a handful of template versions and a thousand contacts; reading them per send
/// would cost more than the rendering. Each send succeeds or fails alone: a template that does
/// not render, a version that is gone or a contact without an address fails that send only,
/// with a `TemplateRenderFailure` that says which and why.
///
/// With a public base URL, every `http(s)` link of an `<a>` or `<area>` in the HTML becomes a
/// signed click URL (`/t/c/…`, recorded in `tracked_links` so the redirect goes only there),
/// the open pixel (`/t/o/…`) is added before `</body>`, and `unsubscribe_url` is the contact's
/// signed one-click URL. The text part keeps its links as written: a plain-text reader sees
/// where a link goes, and the article's plain sends exist to look like a person's mail.
/// Links to the public base URL itself (the unsubscribe link) are not rewritten.
public struct TemplateRenderer: Sendable {
    let schema: SchemaName
    let base: PublicBaseURL?
    let baseError: LinkInputError?

    /// The counter of variables a template named that had no value, by template.
    public static let missingVariablesMetric = "ebbflow_template_missing_variables_total"
    public static let metricsHelp = [
        missingVariablesMetric:
            "Variables templates named that had no value when a send was rendered (each rendered empty), by template."
    ]
    /// The largest rendered HTML or text: a section over a long attribute list could otherwise
    /// make a message of any size.
    public static let maxRenderedBytes = 2 * 1024 * 1024

    /// `publicBaseURL` is `EBBFLOW_PUBLIC_URL` (nil: no tracking and no unsubscribe URL). A
    /// value that is not a usable base URL makes `render` throw, rather than send untracked mail.
    public init(schema: SchemaName, publicBaseURL: String?) {
        self.schema = schema
        var base: PublicBaseURL?, baseError: LinkInputError?
        if let publicBaseURL {
            do { base = try PublicBaseURL(publicBaseURL) } catch { baseError = error }
        }
        self.base = base
        self.baseError = baseError
    }

    public func render(_ sends: [LeasedSend], on connection: isolated PGConnection) throws -> [Int64: Result<
        RenderedMessage, TemplateRenderFailure
    >] {
        if let baseError { throw baseError }
        guard !sends.isEmpty else { return [:] }
        let templates = try versions(for: sends, on: connection)
        let contacts = try self.contacts(Array(Set(sends.map(\.contactID))), on: connection)
        var key: (id: Int32, secret: SymmetricKey)?, now = Date(timeIntervalSince1970: 0)
        if base != nil {
            now = try DatabaseClock(schema: schema).now(on: connection)
            let current = try LinkKeyStore(schema: schema).current(now: now, on: connection)
            key = (current.id, current.secret)
        }
        var results: [Int64: Result<RenderedMessage, TemplateRenderFailure>] = [:]
        var tracked: [(message: RenderedMessage, html: [UInt8], links: [HTMLLinks.Link])] = []
        var missingByTemplate: [String: Int] = [:]
        for send in sends {
            let compiled: CompiledTemplate
            switch templates[PairKey(name: send.template, version: send.templateVersion)] {
            case .success(let found)?: compiled = found
            case .failure(let reason)?:
                results[send.id] = .failure(
                    .init(sendID: send.id, template: send.template, version: send.templateVersion, reason: reason))
                continue
            case nil:
                let reason: TemplateRenderFailure.Reason =
                    send.templateVersion.map { .versionMissing($0) } ?? .templateNotDefined
                results[send.id] = .failure(
                    .init(sendID: send.id, template: send.template, version: send.templateVersion, reason: reason))
                continue
            }
            let unsubscribe = key.flatMap { key in
                base.map {
                    $0.url(
                        UnsubscribeLinks.path(
                            token: LinkToken(purpose: .unsubscribe, keyID: key.id, subject: send.contactID).text(
                                secret: key.secret)))
                }
            }
            switch Self.message(
                for: send, compiled: compiled, contact: contacts[send.contactID], unsubscribeURL: unsubscribe)
            {
            case .failure(let failure): results[send.id] = .failure(failure)
            case .success(let message):
                if !message.missingVariables.isEmpty {
                    missingByTemplate[send.template, default: 0] += message.missingVariables.count
                }
                if let base, let html = message.html {
                    let bytes = Array(html.utf8)
                    let links = HTMLLinks.find(in: bytes).filter { link in
                        !link.url.hasPrefix(base.text + "/") && (try? TrackingLinks.validate(link.url)) != nil
                    }
                    tracked.append((message, bytes, links))
                } else {
                    results[send.id] = .success(message)
                }
            }
        }
        if let base, let key, !tracked.isEmpty {
            let indexes = try trackLinks(
                tracked.map { ($0.message.sendID, $0.links.map(\.url)) }, now: now, on: connection)
            for (message, html, links) in tracked {
                var message = message
                let pixel = base.url(
                    "/t/o/" + LinkToken(purpose: .open, keyID: key.id, subject: message.sendID).text(secret: key.secret)
                )
                message.html = HTMLLinks.rewrite(
                    html, links: links,
                    replacement: { link in
                        indexes[LinkKey(sendID: message.sendID, url: link.url)].map {
                            base.url(
                                "/t/c/"
                                    + LinkToken(purpose: .click, keyID: key.id, subject: message.sendID, linkIndex: $0)
                                    .text(secret: key.secret))
                        }
                    }, pixel: pixel)
                results[message.sendID] = .success(message)
            }
        }
        for (template, count) in missingByTemplate {
            Counter(label: Self.missingVariablesMetric, dimensions: [("template", template)]).increment(by: count)
        }
        return results
    }

    /// One send's message from its compiled version: nothing read, nothing written, links as written.
    static func message(
        for send: LeasedSend, compiled: CompiledTemplate, contact: TemplateVariables.Contact?, unsubscribeURL: String?
    ) -> Result<RenderedMessage, TemplateRenderFailure> {
        func failure(_ reason: TemplateRenderFailure.Reason) -> Result<RenderedMessage, TemplateRenderFailure> {
            .failure(.init(sendID: send.id, template: send.template, version: compiled.version, reason: reason))
        }
        guard let email = send.email, !email.isEmpty else {
            return failure(.noEmail("contact \(send.externalID) has no email address"))
        }
        guard Self.isUsableAddress(email) else {
            return failure(.noEmail("contact \(send.externalID) has an email address that cannot be a recipient"))
        }
        let context = TemplateVariables.context(
            for: send, version: compiled.version, contact: contact, unsubscribeURL: unsubscribeURL)
        // A subject is one header line: a line break from a variable becomes a space.
        let subject = Self.oneLine(compiled.subject.render(context))
        guard subject.utf8.count <= TemplateDefinition.maxSubjectBytes else {
            return failure(
                .renderFailed(
                    "the rendered subject is \(subject.utf8.count) bytes: at most \(TemplateDefinition.maxSubjectBytes)"
                ))
        }
        let renderedHTML = compiled.html?.render(context)
        let text = compiled.text?.render(context) ?? renderedHTML.map(HTMLText.text)
        for (part, value) in [("HTML", renderedHTML), ("text", text)] {
            if let value, value.utf8.count > maxRenderedBytes {
                return failure(
                    .renderFailed("the rendered \(part) is \(value.utf8.count) bytes: at most \(maxRenderedBytes)"))
            }
        }
        var missing: [String] = []
        for source in [compiled.subject, compiled.html, compiled.text] {
            guard let source else { continue }
            for name in source.missing(in: context) where !missing.contains(name) { missing.append(name) }
        }
        return .success(
            RenderedMessage(
                sendID: send.id, to: email, from: compiled.from, replyTo: compiled.replyTo, subject: subject,
                html: send.format == "plain" ? nil : renderedHTML, text: text, unsubscribeURL: unsubscribeURL,
                missingVariables: missing))
    }

    /// The rendered subject as one header line: each line break a space, white space trimmed.
    /// Most subjects hold no byte that can start a line break (0x0A to 0x0D, and the lead bytes
    /// of NEL and U+2028/2029): those skip the split by characters.
    static func oneLine(_ rendered: String) -> String {
        let mayBreak = rendered.utf8.contains { (0x0A...0x0D).contains($0) || $0 == 0xC2 || $0 == 0xE2 }
        let joined = mayBreak ? rendered.split(whereSeparator: \.isNewline).joined(separator: " ") : rendered
        return String(TextTrimming.trimmingWhitespace(joined))
    }

    /// An address a relay can take as a recipient: bounded, one `@`, no white space or control character.
    static func isUsableAddress(_ email: String) -> Bool {
        email.utf8.count <= 254 && email.utf8.filter { $0 == UInt8(ascii: "@") }.count == 1
            && !email.hasPrefix("@") && !email.hasSuffix("@")
            && !email.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || $0 == "<" || $0 == ">" }
    }

    struct PairKey: Hashable {
        var name: String
        var version: Int?
    }

    struct LinkKey: Hashable {
        var sendID: Int64
        var url: String
    }

    /// The compiled versions the sends need, by (name, requested version); a pair with no
    /// stored version is absent. A send decided before its template was applied (version
    /// nil) is rendered from the template's current version.
    func versions(for sends: [LeasedSend], on connection: isolated PGConnection) throws -> [PairKey: Result<
        CompiledTemplate, TemplateRenderFailure.Reason
    >] {
        let pairs = Array(Set(sends.map { PairKey(name: $0.template, version: $0.templateVersion) }))
        let rows = try connection.query(
            TemplateSQL(schema: schema).versionsForSends,
            [pairs.map(\.name), pairs.map { $0.version.flatMap { Int32(exactly: $0) } }])
        var found: [PairKey: Result<CompiledTemplate, TemplateRenderFailure.Reason>] = [:]
        for row in rows.rows {
            let name: String = try row.decode("name"), requested: Int32? = try row.decode("requested")
            let version: Int = try row.decode("version"), json: PGJSON = try row.decode("definition")
            let key = PairKey(name: name, version: requested.map(Int.init))
            do {
                let definition = try JSONDecoder().decode(TemplateDefinition.self, from: json.bytes)
                found[key] = .success(
                    try CompiledTemplate.compiled(schema: schema.name, version: version, definition: definition))
            } catch {
                found[key] = .failure(.renderFailed("the stored version does not compile: \(error)"))
            }
        }
        return found
    }

    /// Each contact's attributes and last activity.
    func contacts(_ ids: [Int64], on connection: isolated PGConnection) throws -> [Int64: TemplateVariables.Contact] {
        let consent = ConsentKind.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        var contacts: [Int64: TemplateVariables.Contact] = [:]
        for row in try connection.query(TemplateSQL(schema: schema).contactsForRender(consentKinds: consent), [ids])
            .rows
        {
            let attributes: PGJSON = try row.decode("attributes")
            contacts[try row.decode("id")] = TemplateVariables.Contact(
                attributes: TemplateVariables.attributes(attributes.bytes), lastKind: try row.decode("last_kind"),
                lastURL: try row.decode("last_url"), lastAt: try row.decode("last_at"))
        }
        return contacts
    }

    /// The link index of each (send, URL), recorded in one statement for the batch.
    func trackLinks(_ links: [(sendID: Int64, urls: [String])], now: Date, on connection: isolated PGConnection) throws
        -> [LinkKey:
        Int32]
    {
        var sendIDs: [Int64] = [], urls: [String] = []
        for (sendID, list) in links {
            for url in list {
                sendIDs.append(sendID)
                urls.append(url)
            }
        }
        guard !urls.isEmpty else { return [:] }
        var indexes: [LinkKey: Int32] = [:]
        for row in try connection.query(
            TemplateSQL(schema: schema).trackLinks, [sendIDs, urls, Int32(TrackingLinks.maxLinksPerSend), now]
        ).rows {
            indexes[LinkKey(sendID: try row.decode("send_id"), url: try row.decode("url"))] = try row.decode(
                "link_index")
        }
        return indexes
    }
}

extension TemplateRenderer {
    /// Renders `sends` from `definition` (as version `version`) for contacts with `attributes`
    /// and no last activity, without the database: links are left as written. Why public: the
    /// pure cost of rendering is what `ebbflow-bench templates` measures beside the whole batch.
    public static func renderDetached(
        _ sends: [LeasedSend], definition: TemplateDefinition, version: Int, attributes: PGJSON
    ) throws -> [Result<RenderedMessage, TemplateRenderFailure>] {
        let compiled = try CompiledTemplate.compiled(schema: "", version: version, definition: definition)
        let contact = TemplateVariables.Contact(
            attributes: TemplateVariables.attributes(attributes.bytes), lastKind: nil, lastURL: nil, lastAt: nil)
        return sends.map { message(for: $0, compiled: compiled, contact: contact, unsubscribeURL: nil) }
    }
}
