// The engagement policy for both front doors: the policy in force (or the stored one and why it fails), and setting it.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// What `policy show` found: the policy in force, or the stored document that no longer loads.
public struct PolicyView: Sendable {
    /// The policy in force, defaults filled in; nil when the stored one no longer loads.
    public var policy: PolicyDocument?
    /// The stored document's JSON as stored; nil when none was ever set.
    public var stored: Data?
    /// With a policy in force: keys this release ignores (a warning). Without: why the stored
    /// document does not load (the engine refuses it until `policy set` replaces it).
    public var problem: String?

    /// Whether the engine runs on this policy.
    public var inForce: Bool { policy != nil }
}

/// `policy show|set` and `GET /v1/policy`, `PUT /v1/policy`.
public struct PolicyOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The policy in force, defaults filled in; when the stored one no longer loads, that stored
    /// document instead, with `problem` saying why (the CLI prints it and exits 1). The document
    /// is the policy JSON `policy show` prints; null only when nothing is stored and nothing loads.
    public func show(on database: PGConnection) async throws -> Shown<PolicyView> {
        let store = PolicyStore(schema: schema)
        let (stored, policy) = try await database.run { connection in
            let stored = try store.stored(on: connection)
            return (stored, try? store.load(on: connection))
        }
        let view = PolicyView(
            policy: policy, stored: stored?.json,
            problem: policy != nil ? stored?.problem : stored.map { $0.problem ?? "the stored policy does not load" })
        let document: JSONDocument
        if let policy {
            document = JSONDocument(parsing: try Self.policyText(policy)) ?? .null
        } else {
            document = stored.flatMap { JSONDocument(parsing: $0.json) } ?? .null
        }
        return Shown(model: view, document: document)
    }

    /// A policy as `policy show` has always printed it (JSONEncoder, pretty, sorted keys).
    public static func policyText(_ policy: PolicyDocument) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(policy)
    }

    /// Validates a YAML or JSON policy document and stores it. A bad value or unknown key is
    /// `invalid` naming its field (the path in the document), and the stored policy is unchanged.
    @discardableResult
    public func set(document data: Data, on database: PGConnection) async throws -> ActionOutcome {
        do { _ = try PolicyDocument.parse(data) } catch {
            throw OperationError.invalid("\(error); the stored policy is unchanged", field: error.field)
        }
        let store = PolicyStore(schema: schema)
        _ = try await database.run { try store.save(data, on: $0) }
        return ActionOutcome("policy stored")
    }
}
