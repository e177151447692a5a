// Template documents refused with the template, the field and (for Mustache) the line: unknown keys, bad Mustache, bounds.
import EbbflowEngine
import Foundation
import Testing

@Suite struct TemplateDocumentTests {
    func refusal(_ document: String) -> TemplateError? {
        do {
            _ = try TemplateDefinition.parse(Data(document.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func oneTemplateOrSeveralInYAMLOrJSON() throws {
        let one = try TemplateDefinition.parse(Data("name: a\nsubject: Hi\ntext: Hello\n".utf8))
        #expect(one == [TemplateDefinition(name: "a", subject: "Hi", text: "Hello")])
        let a = #"{"name": "a", "subject": "Hi", "html": "<p>x</p>"}"#
        let b =
            #"{"name": "b.v2", "subject": "Yo", "text": "t", "from": "A <a@example.com>", "reply_to": "r@example.com"}"#
        let several = try TemplateDefinition.parse(Data(#"{"templates": [\#(a), \#(b)]}"#.utf8))
        #expect(several.map(\.name) == ["a", "b.v2"] && several[1].replyTo == "r@example.com")
    }

    @Test func unknownKeysAreRefused() {
        #expect(
            refusal("name: a\nsubject: Hi\ntext: x\nbody: y\n")
                == TemplateError(template: "a", field: "body", reason: "unknown key \"body\""))
        #expect(refusal("templates: []\nextra: 1\n")?.field == "extra")
        #expect(refusal("name: a\nsubject: Hi\n")?.reason == "a template needs html, text or both")
    }

    @Test func badMustacheIsRefusedWithItsLine() {
        let unclosed = refusal("name: w\nsubject: Hi\nhtml: |\n  <p>one</p>\n  <p>{{#items}}two</p>\n  <p>three</p>\n")
        #expect(unclosed?.template == "w" && unclosed?.field == "html")
        #expect(unclosed?.reason.hasPrefix("line ") == true, "\(String(describing: unclosed))")
        let wrongClose = refusal("name: w\nsubject: Hi\ntext: \"a\\nb\\n{{#x}}c{{/y}}\\nd\"\n")
        #expect(wrongClose?.field == "text")
        #expect(wrongClose?.reason == "line 3: a section is closed with another name than it was opened with")
        let partial = refusal("name: w\nsubject: Hi\ntext: \"a\\n\\n{{> footer}}\"\n")
        #expect(partial?.reason == "line 3: partials ({{> name}}) are not supported in ebbflow templates")
        #expect(refusal("name: w\nsubject: \"{{name\"\ntext: x\n")?.field == "subject")
        let deep = refusal("name: w\nsubject: s\ntext: \"{{#a}}{{#b}}{{#c}}{{#d}}x{{/d}}{{/c}}{{/b}}{{/a}}\"\n")
        #expect(deep?.reason == "line 1: sections nest deeper than 3 levels")
    }

    @Test func everyTextIsBounded() {
        #expect(refusal("name: \"has space\"\nsubject: s\ntext: x\n")?.field == "name")
        #expect(refusal("name: \(String(repeating: "a", count: 101))\nsubject: s\ntext: x\n")?.field == "name")
        #expect(refusal("name: a\nsubject: \(String(repeating: "s", count: 999))\ntext: x\n")?.field == "subject")
        #expect(refusal(#"{"name": "a", "subject": "two\nlines", "text": "x"}"#)?.field == "subject")
        #expect(refusal(#"{"name": "a", "subject": " ", "text": "x"}"#)?.field == "subject")
        let bigHTML = String(repeating: "x", count: TemplateDefinition.maxHTMLBytes + 1)
        #expect(refusal(#"{"name": "a", "subject": "s", "html": "\#(bigHTML)"}"#)?.field == "html")
        let bigText = String(repeating: "x", count: TemplateDefinition.maxTextBytes + 1)
        #expect(refusal(#"{"name": "a", "subject": "s", "text": "\#(bigText)"}"#)?.field == "text")
        #expect(refusal(#"{"name": "a", "subject": "s", "text": "x", "from": "not an address"}"#)?.field == "from")
        #expect(
            refusal(#"{"name": "a", "subject": "s", "text": "x", "reply_to": "a@b.com\r\nBcc: x@y.com"}"#)?.field
                == "reply_to")
        #expect(
            refusal(
                #"{"templates": [{"name": "a", "subject": "s", "text": "x"}, {"name": "a", "subject": "s", "text": "y"}]}"#
            )?.reason == "defined twice in this document")
    }
}
