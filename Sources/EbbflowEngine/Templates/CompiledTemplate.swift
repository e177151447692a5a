// A template version compiled once per process: its subject, HTML and text, kept in a cache keyed by name and version.
import Foundation
import Synchronization

/// Why a cache: compiling parses every text, and rendering is the delivery's hot path (the
/// target is 20,000 renders a second); a version never changes once stored, so a compiled
/// version is good for the life of the process.
struct CompiledTemplate: Sendable {
    var definition: TemplateDefinition
    var name: String
    var version: Int
    var from: String?
    var replyTo: String?
    var subject: MustacheSource
    var html: MustacheSource?
    var text: MustacheSource?

    init(name: String, version: Int, definition: TemplateDefinition) throws(MustacheSourceError) {
        self.name = name
        self.version = version
        self.definition = definition
        from = definition.from
        replyTo = definition.replyTo
        subject = try MustacheSource.compile(definition.subject, kind: .text)
        html = try definition.html.map { text throws(MustacheSourceError) in
            try MustacheSource.compile(text, kind: .html)
        }
        text = try definition.text.map { text throws(MustacheSourceError) in
            try MustacheSource.compile(text, kind: .text)
        }
    }

    /// The schema is part of the key (one process may serve several), and a cached entry is
    /// used only when its definition is the one just read: a schema dropped and made again
    /// reuses names and versions for other texts.
    struct Key: Hashable, Sendable {
        var schema: String
        var name: String
        var version: Int
    }

    /// The process's compiled versions. Bounded: past `maxEntries` it starts over (versions in
    /// use are compiled again on their next batch), so a long-lived worker over a database with
    /// thousands of versions does not grow without end.
    static let cache = Mutex<[Key: CompiledTemplate]>([:])
    static let maxEntries = 2_000

    /// The compiled version of `definition`, from the cache when it holds this very text.
    static func compiled(schema: String, version: Int, definition: TemplateDefinition) throws(MustacheSourceError)
        -> CompiledTemplate
    {
        let key = Key(schema: schema, name: definition.name, version: version)
        if let found = cache.withLock({ $0[key] }), found.definition == definition { return found }
        let made = try CompiledTemplate(name: definition.name, version: version, definition: definition)
        cache.withLock { cache in
            if cache.count >= maxEntries { cache.removeAll(keepingCapacity: true) }
            cache[key] = made
        }
        return made
    }
}
