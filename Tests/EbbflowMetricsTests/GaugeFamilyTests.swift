// A gauge family recorded as whole samples: a label missing from the next sample reads 0, not its last value.
import EbbflowMetrics
import Prometheus
import Testing

@Suite struct GaugeFamilyTests {
    @Test func aLabelThatDisappearsReadsZero() {
        let registry = SharedRegistry.registry
        let family = GaugeFamily(label: "ebbflow_test_family", dimension: "reason")
        family.record(["complaint": 2, "unsubscribed": 1])
        family.record(["complaint": 3])
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        let lines = Set(String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init))
        #expect(
            lines.contains(#"ebbflow_test_family{reason="complaint"} 3.0"#), "\(lines.filter { $0.contains("family") })"
        )
        #expect(lines.contains(#"ebbflow_test_family{reason="unsubscribed"} 0.0"#))
    }
}
