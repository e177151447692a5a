// ebbflow-bench: benchmarks run in release mode; their figures go to docs/benchmarks.md.
import ArgumentParser

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ebbflow-bench",
        abstract: "Benchmarks of ebbflow against baselines measured in the same run.",
        subcommands: [
            RoundTripBenchmark.self, QueueBenchmark.self, EngineBenchmark.self, HTTPBenchmark.self, SMTPBenchmark.self,
            TemplateBenchmark.self, RateLimitBenchmark.self, DeliveryBenchmark.self, DashboardBenchmark.self,
        ])
}
