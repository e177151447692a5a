// Templates for both front doors: the list, one template (any version), a preview for a contact, and applying one document.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// `templates list|show|preview|apply` and `GET /v1/templates`, `GET /v1/templates/{name}`,
/// `GET /v1/templates/{name}/preview`, `POST /v1/templates`.
public struct TemplateOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// By name. The document is the array of `templates list --json`:
    /// `{"name", "version", "subject", "parts": ["html", "text"], "from", "reply_to", "updated_at"}`.
    public func list(on database: PGConnection) async throws -> Shown<[StoredTemplate]> {
        let store = TemplateStore(schema: schema)
        let templates = try await database.run { try store.list(on: $0) }
        return Shown(model: templates, document: .array(templates.map(Self.summary)))
    }

    static func summary(_ template: StoredTemplate) -> JSONDocument {
        let definition = template.definition
        return [
            "name": .string(definition.name), "version": .whole(template.version),
            "subject": .string(definition.subject),
            "parts": .array((definition.html != nil ? ["html"] : []) + (definition.text != nil ? ["text"] : [])),
            "from": .text(definition.from), "reply_to": .text(definition.replyTo),
            "updated_at": .time(template.updatedAt),
        ]
    }

    /// One template at `version` (nil: its current one): `notFound` when there is no such
    /// template or version. The document is `{"name", "version", "current_version",
    /// "created_at", "updated_at", "definition": {"name", "subject", "html", "text", "from", "reply_to"}}`.
    public func show(name: String, version: Int?, on database: PGConnection) async throws -> Shown<StoredTemplate> {
        if let version, version < 1 {
            throw OperationError.invalid("version must be 1 or more, got \(version)", field: "version")
        }
        let store = TemplateStore(schema: schema)
        let (found, current) = try await database.run { connection in
            (try store.find(name, version: version, on: connection), try store.find(name, on: connection))
        }
        guard let found, let current else {
            if let version, current != nil {
                throw OperationError.notFound(
                    "template \(name) has no version \(version) (current: \(current!.version))")
            }
            throw OperationError.notFound("no template named \"\(name)\"")
        }
        let definition = found.definition
        let document: JSONDocument = [
            "name": .string(definition.name), "version": .whole(found.version),
            "current_version": .whole(current.version), "created_at": .time(found.createdAt),
            "updated_at": .time(found.updatedAt),
            "definition": [
                "name": .string(definition.name), "subject": .string(definition.subject),
                "html": .text(definition.html),
                "text": .text(definition.text), "from": .text(definition.from), "reply_to": .text(definition.replyTo),
            ],
        ]
        return Shown(model: found, document: document)
    }

    /// The template as the contact with `externalID` would receive it. The document is
    /// `{"template", "version", "to", "from", "reply_to", "subject", "html", "text",
    /// "unsubscribe_url", "missing_variables": [...]}`.
    public func preview(
        name: String, version: Int?, externalID: String, format: String, publicBaseURL: String?,
        on database: PGConnection
    ) async throws -> Shown<RenderedMessage> {
        if let version, version < 1 {
            throw OperationError.invalid("version must be 1 or more, got \(version)", field: "version")
        }
        guard format == "html" || format == "plain" else {
            throw OperationError.invalid("format must be html or plain, got \"\(format.prefix(40))\"", field: "format")
        }
        let renderer = TemplateRenderer(schema: schema, publicBaseURL: publicBaseURL)
        let (message, shownVersion): (RenderedMessage, Int)
        do {
            (message, shownVersion) = try await database.run { connection in
                try renderer.preview(
                    name: name, version: version, externalID: externalID, format: format, on: connection)
            }
        } catch let error as TemplatePreviewError {
            switch error {
            case .noTemplate, .noVersion, .noContact: throw OperationError.notFound(error.description)
            case .failed(let failure): throw OperationError.conflict(failure.description)
            }
        } catch let error as LinkInputError {
            throw OperationError.invalid(error.description, field: nil)
        }
        let document: JSONDocument = [
            "template": .string(name), "version": .whole(shownVersion), "to": .string(message.to),
            "from": .text(message.from), "reply_to": .text(message.replyTo), "subject": .string(message.subject),
            "html": .text(message.html), "text": .text(message.text), "unsubscribe_url": .text(message.unsubscribeURL),
            "missing_variables": .array(message.missingVariables.map { .string($0) }),
        ]
        return Shown(model: message, document: document)
    }

    /// Validates and stores the templates of one YAML or JSON document (one template, or
    /// `{templates: [...]}`), all or none, in one transaction. A bad document is `invalid`, its
    /// message naming the template, the field and (for Mustache) the line; nothing is stored.
    public func apply(document data: Data, on database: PGConnection) async throws -> TemplateApplyResult {
        let store = TemplateStore(schema: schema)
        let outcomes: [(name: String, outcome: TemplateApplyOutcome)]
        do {
            outcomes = try await database.withTransaction { try store.apply(data, on: $0) }
        } catch let error as TemplateError {
            throw OperationError.invalid(
                "\(error); the stored templates are unchanged", field: error.field.isEmpty ? nil : error.field)
        }
        return DocumentApplyResult(kind: "template", outcomes: outcomes, createdVersion: true)
    }
}
