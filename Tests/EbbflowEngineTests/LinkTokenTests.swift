// Link tokens without a database: round trips, and every tampered, truncated, padded or foreign token refused.
import Crypto
import EbbflowEngine
import Foundation
import Testing

@Suite struct LinkTokenTests {
    let secret = SymmetricKey(size: .bits256)

    @Test func eachPurposeRoundTrips() throws {
        for token in [
            LinkToken(purpose: .unsubscribe, keyID: 1, subject: 42),
            LinkToken(purpose: .open, keyID: 7, subject: Int64.max),
            LinkToken(purpose: .click, keyID: Int32.max, subject: 9, linkIndex: 999),
        ] {
            let text = token.text(secret: secret)
            #expect(text.utf8.count <= LinkToken.maxTextLength)
            #expect(text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            let parsed = try LinkToken.parse(text)
            #expect(parsed.token == token)
            #expect(parsed.verify(secret: secret))
        }
        // Compact: an unsubscribe token is 40 characters, a click token 46.
        #expect(LinkToken(purpose: .unsubscribe, keyID: 1, subject: 1).text(secret: secret).count == 40)
        #expect(LinkToken(purpose: .click, keyID: 1, subject: 1, linkIndex: 0).text(secret: secret).count == 46)
    }

    @Test func everyChangedCharacterIsRefused() throws {
        let text = LinkToken(purpose: .click, keyID: 3, subject: 12345, linkIndex: 2).text(secret: secret)
        for position in text.indices {
            var changed = text
            let replacement: Character = text[position] == "A" ? "B" : "A"
            changed.replaceSubrange(position...position, with: String(replacement))
            // Either not a token any more, or a token whose MAC does not verify.
            if let parsed = try? LinkToken.parse(changed) { #expect(!parsed.verify(secret: secret), "\(position)") }
        }
    }

    @Test func truncatedPaddedLongAndForeignTokensAreRefused() throws {
        let text = LinkToken(purpose: .unsubscribe, keyID: 1, subject: 5).text(secret: secret)
        for cut in 1..<text.count {
            #expect(throws: LinkRefusal.self) { try LinkToken.parse(String(text.dropLast(cut))) }
        }
        #expect(throws: LinkRefusal.self) { try LinkToken.parse(text + "A") }
        #expect(throws: LinkRefusal.self) { try LinkToken.parse(text + "==") }
        #expect(throws: LinkRefusal.self) { try LinkToken.parse("") }
        #expect(throws: LinkRefusal.self) { try LinkToken.parse(String(repeating: "A", count: 100_000)) }
        #expect(throws: LinkRefusal.self) { try LinkToken.parse("+" + text.dropFirst()) }
        #expect(throws: LinkRefusal.self) { try LinkToken.parse("%2E%2E%2F" + text) }
        // Made with another key (another database's): well formed, never verified.
        let foreign = LinkToken(purpose: .unsubscribe, keyID: 1, subject: 5).text(secret: SymmetricKey(size: .bits256))
        #expect(try !LinkToken.parse(foreign).verify(secret: secret))
    }
}
