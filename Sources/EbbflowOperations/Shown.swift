// What a read or an action returns: the model the CLI's text view reads, and the document both front doors print.
import Foundation

/// A read: the store's model (for the CLI's text rendering, which keeps its own layout) and the
/// document (`--json`, and the HTTP API's body).
public struct Shown<Model: Sendable>: Sendable {
    public var model: Model
    public var document: JSONDocument

    public init(model: Model, document: JSONDocument) {
        self.model = model
        self.document = document
    }
}

/// An admin action's result: the line the CLI prints, and a document saying the same for the API.
public struct ActionOutcome: Sendable, Equatable {
    /// Exactly what the CLI prints on success.
    public var message: String
    /// `{"message": …}` plus the action's facts (ids, names, states).
    public var document: JSONDocument

    init(_ message: String, _ facts: [String: JSONDocument] = [:]) {
        self.message = message
        self.document = .object(facts.merging(["message": .string(message)]) { _, new in new })
    }
}
