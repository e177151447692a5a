// The mail module builds and links (its own suites sit beside this file).
import Testing

@testable import EbbflowMail

@Suite struct MailModuleTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}
