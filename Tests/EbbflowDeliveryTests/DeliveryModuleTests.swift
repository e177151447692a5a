// The delivery module builds and links (its own suites sit beside this file).
import Testing

@testable import EbbflowDelivery

@Suite struct DeliveryModuleTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}
