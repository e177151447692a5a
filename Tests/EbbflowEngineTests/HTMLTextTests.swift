// The text part derived from HTML and the character references it decodes, byte for byte.
import Foundation
import Testing

@testable import EbbflowEngine

@Suite struct HTMLTextTests {
    @Test(arguments: [
        ("a &amp; b", "a & b"), ("&lt;p&gt;", "<p>"), ("&#65;&#x42;&#X43;", "ABC"), ("caf&eacute;", "caf&eacute;"),
        ("&unknown; stays", "&unknown; stays"), ("& alone", "& alone"), ("&#0;", "&#0;"), ("&#xD800;", "&#xD800;"),
        ("&#99999999999;", "&#99999999999;"), ("&#x;", "&#x;"), ("&#12a;", "&#12a;"), ("&amp", "&amp"),
        ("&verylongnamethatisnotareference;", "&verylongnamethatisnotareference;"), ("&copy; 2026", "© 2026"),
        ("&#x1F600;", "😀"), ("é&hellip;", "é…"), ("&&amp;", "&&"), ("", ""),
    ])
    func referencesDecode(_ input: String, _ expected: String) {
        #expect(HTMLEntities.decode(input[...]) == expected)
        #expect(String(decoding: HTMLEntities.decode(bytes: Array(input.utf8)[...]), as: UTF8.self) == expected)
    }

    @Test func theTextPartReadsLikeTheMessage() {
        let html = """
            <html><head><title>x</title><style>p { color: red }</style></head><BODY>
            <!-- a comment <p>hidden</p> -->
            <H1>Hello&nbsp;Ann &amp; Co</H1>
            <p>Your   offer:\t<a href="https://example.com/a?x=1&amp;y=2">see it</a>,
            or <A HREF='https://example.com/b'>https://example.com/b</A>.</p>
            <ul><li>one</li><li>two&#x21;</li></ul><table><tr><td>a</td><td>b</td></tr></table>
            <p>line<br>break &unknown;</p><hr><custom-element-with-a-long-name>kept</custom-element-with-a-long-name>
            </BODY></html>
            """
        #expect(
            HTMLText.text(from: html) == """
                Hello Ann & Co

                Your offer: see it (https://example.com/a?x=1&y=2), or https://example.com/b.

                - one
                - two!

                a b

                line
                break &unknown;

                ---
                kept
                """)
    }

    /// Unicode spaces at the ends of lines and of the whole are trimmed as Foundation's sets
    /// trim them; inside a line they stay.
    @Test func unicodeSpacesAtTheEdgesAreTrimmed() {
        let html = "<p>\u{3000}wide\u{2003}</p><p>\u{200B}zero\u{00A0}width\u{202F}</p><p>é\u{2028}</p>"
        #expect(HTMLText.text(from: html) == "wide\n\nzero width\n\né")
    }

    @Test(arguments: [
        ("Hello", "Hello"), ("  Hello\t", "Hello"), ("two\nlines", "two lines"), ("a\r\nb", "a b"),
        ("x\u{2028}y", "x y"), ("é\u{0085}ü", "é ü"), ("\u{3000}wide\u{3000}", "wide"), ("café", "café"),
    ])
    func subjectsBecomeOneLine(_ rendered: String, _ expected: String) {
        #expect(TemplateRenderer.oneLine(rendered) == expected)
    }

    @Test func emptyVariablesSkipTheDecoder() {
        for empty in ["", "{}", " { } ", "\n{\n}\n"] { #expect(TemplateVariables.isEmptyObject(Data(empty.utf8))) }
        for full in ["{\"a\":1}", "[]", "{", "}", "{}}", "null"] {
            #expect(!TemplateVariables.isEmptyObject(Data(full.utf8)))
        }
    }
}
