// swift-tools-version: 6.0
// ebbflow: elastic CRM audiences on a PostgreSQL job queue, reached through libpq.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "ebbflow",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ebbflow", targets: ["ebbflow"]),
        .library(name: "PostgresClient", targets: ["PostgresClient"]),
        .library(name: "EbbflowCore", targets: ["EbbflowCore"]),
        .library(name: "EbbflowOperations", targets: ["EbbflowOperations"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // YAML policy and stream documents (libyaml underneath; small, no other dependencies).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // RFC 4180 CSV for imports, read as a stream (CRLF, CR, quoted newlines, a UTF-8 BOM).
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        // Each long-running piece of a process (claim loop, listener, maintenance, HTTP) is a Service
        // in one ServiceGroup, which owns signal handling and graceful shutdown.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The HTTP layer (/metrics, /healthz, /readyz today; the API of `ebbflow serve` next), on SwiftNIO.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Hummingbird's own networking, named for the one channel handler the server adds (ClosingResponses).
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
        // SHA-256 of API keys now; the providers' webhook signatures (HMAC, ECDSA P-256) next.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // X.509 for Amazon SNS's signing certificates (SES webhooks): parsing the operator's pinned
        // certificates and checking they chain to the operator's CA; the RSA check is swift-crypto's.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        // PEM bundles (several certificates in one file); swift-certificates is built on it.
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        // STARTTLS and implicit TLS of the SMTP client (EbbflowMail).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Templates: logic-less, compiled once per version, rendered per send (EbbflowEngine/Templates).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // The delivery webhook to a team's own sender (EbbflowDelivery).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // libpq, the only database client, as a system library found through pkg-config.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        // A safe Swift face on libpq: connections on their own threads, typed binds, pool.
        .target(
            name: "PostgresClient",
            dependencies: ["CLibPQ", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Turns sql/*.sql into Swift source at build time, so the binary carries its schema.
        .executableTarget(name: "SQLEmbedder", path: "Plugins/SQLEmbedder"),
        .plugin(name: "EmbedSQL", capability: .buildTool(), dependencies: ["SQLEmbedder"]),
        // Turns openapi.yaml into Swift source at build time, so `ebbflow serve` serves the file it was built with.
        .executableTarget(name: "TextEmbedder", path: "Plugins/TextEmbedder"),
        .plugin(name: "EmbedOpenAPI", capability: .buildTool(), dependencies: ["TextEmbedder"]),
        // Turns the dashboard's templates, stylesheet and script into Swift source at build time.
        .plugin(name: "EmbedDashboard", capability: .buildTool(), dependencies: ["TextEmbedder"]),
        // Schema, migrations and the one clock: what every ebbflow module stands on.
        .target(
            name: "EbbflowCore",
            dependencies: ["PostgresClient", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict,
            plugins: ["EmbedSQL"]
        ),
        // The job queue: enqueue, SKIP LOCKED claims, workers, retries, leases, schedules.
        .target(
            name: "EbbflowQueue",
            dependencies: [
                "EbbflowCore", "PostgresClient", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The elastic engagement engine: statuses, the state machine, policy and score decay.
        .target(
            name: "EbbflowEngine",
            dependencies: [
                "EbbflowCore", "EbbflowQueue", "PostgresClient",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CSV", package: "CSV.swift"),
                // HMAC-SHA256 of unsubscribe and tracking links (Links/).
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                // ebbflow_template_missing_variables_total (Templates/TemplateRenderer.swift).
                .product(name: "Metrics", package: "swift-metrics"),
            ], swiftSettings: strict),
        // Mail on the wire: MIME messages and a small strict SMTP client on SwiftNIO (STARTTLS,
        // AUTH, pipelining), with no knowledge of ebbflow's database.
        .target(
            name: "EbbflowMail",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Delivery: the `deliver` queue's jobs lease sends, render them and hand them to SMTP or
        // the team's webhook, then ack or fail them.
        .target(
            name: "EbbflowDelivery",
            dependencies: [
                "EbbflowCore", "EbbflowQueue", "EbbflowEngine", "EbbflowMail", "PostgresClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // The SMTP client's event loops (NIOPosix's singleton group) and the webhook's buffers.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Charts as SVG drawn by hand (stacked areas, lines, columns, bars, intervals, small
        // multiples), with their data tables: the simulator's files and the dashboard's pages.
        .target(name: "EbbflowCharts", swiftSettings: strict),
        // The simulator: personas, the day loop over real worker processes, CSV, charts and table.
        .target(
            name: "EbbflowSimulation",
            dependencies: [
                "EbbflowCore", "EbbflowQueue", "EbbflowEngine", "EbbflowCharts", "PostgresClient",
                .product(name: "Logging", package: "swift-log"),
            ], swiftSettings: strict),
        // swift-prometheus installed as the process's swift-metrics backend, with # HELP texts.
        .target(
            name: "EbbflowMetrics",
            dependencies: [
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The HTTP layer on Hummingbird: a router that modules add routes to (/metrics, /healthz,
        // /readyz today; the API of `ebbflow serve` next) and the server as a lifecycle Service.
        .target(
            name: "EbbflowHTTP",
            dependencies: [
                "EbbflowMetrics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The CLI's read and admin operations as one implementation the HTTP API shares:
        // validation, messages, transactions and the documents `--json` prints.
        .target(
            name: "EbbflowOperations",
            dependencies: [
                "EbbflowCore", "EbbflowQueue", "EbbflowEngine", "PostgresClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The HTTP API of `ebbflow serve`: keys and their scopes, ingest, read and admin routes.
        .target(
            name: "EbbflowAPI",
            dependencies: [
                "EbbflowCore", "EbbflowQueue", "EbbflowEngine", "EbbflowOperations", "EbbflowHTTP", "PostgresClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict,
            plugins: ["EmbedOpenAPI"]
        ),
        // The dashboard of `ebbflow serve` under /dashboard/: server-rendered pages of the audience,
        // its journeys and the queue, signed in with an API key, acting by POST behind a CSRF token.
        .target(
            name: "EbbflowDashboard",
            dependencies: [
                "EbbflowCore", "EbbflowQueue", "EbbflowEngine", "EbbflowOperations", "EbbflowHTTP", "EbbflowAPI",
                "EbbflowCharts", "PostgresClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Templates", "Assets"],
            swiftSettings: strict,
            plugins: ["EmbedDashboard"]
        ),
        // The thin command-line face: one subcommand per file.
        .executableTarget(
            name: "ebbflow",
            dependencies: [
                "EbbflowCore", "EbbflowQueue", "EbbflowEngine", "EbbflowMetrics", "EbbflowHTTP", "EbbflowAPI",
                "EbbflowSimulation", "EbbflowOperations", "EbbflowMail", "EbbflowDelivery", "EbbflowDashboard",
                "PostgresClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // Benchmarks, run in release mode; figures go to docs/benchmarks.md.
        .executableTarget(
            name: "ebbflow-bench",
            dependencies: [
                "EbbflowCore", "EbbflowQueue", "EbbflowEngine", "EbbflowMail", "EbbflowDelivery", "PostgresClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                // `smtp`: the SMTP client's event loops, and smtp-sink's port.
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/EbbflowBench",
            swiftSettings: strict
        ),
        // Shared test helpers: the test database URL, a schema per test, running the CLI.
        .target(
            name: "EbbflowTestSupport",
            dependencies: ["PostgresClient", "EbbflowCore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PostgresClientTests",
            dependencies: ["PostgresClient", "EbbflowTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EbbflowCoreTests",
            dependencies: ["EbbflowCore", "PostgresClient", "EbbflowTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EbbflowQueueTests",
            dependencies: [
                "EbbflowQueue", "EbbflowCore", "PostgresClient", "EbbflowTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EbbflowEngineTests",
            dependencies: [
                "EbbflowEngine", "EbbflowQueue", "EbbflowCore", "PostgresClient", "EbbflowTestSupport",
                // PrivacyTests checks the database's HMAC against swift-crypto's.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EbbflowChartsTests", dependencies: ["EbbflowCharts"], exclude: ["Goldens"], swiftSettings: strict),
        .testTarget(
            name: "EbbflowSimulationTests",
            dependencies: [
                "EbbflowSimulation", "EbbflowEngine", "EbbflowCore", "PostgresClient", "EbbflowTestSupport",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EbbflowMetricsTests",
            dependencies: [
                "EbbflowMetrics", "EbbflowHTTP", .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EbbflowAPITests",
            dependencies: [
                "PostgresClient", "EbbflowCore", "EbbflowTestSupport",
                // The consent scenario makes contacts' one-click links as the delivery will.
                "EbbflowEngine",
                // The webhook tests sign as SendGrid (P-256), Mailgun (HMAC) and SNS (RSA, their own CA) do.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EbbflowDashboardTests",
            dependencies: [
                "EbbflowDashboard", "EbbflowAPI", "EbbflowCore", "PostgresClient", "EbbflowTestSupport",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EbbflowOperationsTests",
            dependencies: [
                "EbbflowOperations", "EbbflowEngine", "EbbflowQueue", "EbbflowCore", "PostgresClient",
                "EbbflowTestSupport",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EbbflowMailTests",
            dependencies: [
                "EbbflowMail", "EbbflowTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                // The reply decoder's tests feed it bytes in an EmbeddedChannel.
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EbbflowDeliveryTests",
            dependencies: [
                "EbbflowDelivery", "EbbflowMail", "EbbflowEngine", "EbbflowQueue", "EbbflowCore", "PostgresClient",
                "EbbflowTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EbbflowCLITests",
            dependencies: [
                "PostgresClient", "EbbflowCore", "EbbflowEngine", "EbbflowTestSupport",
                // APIContractFilesTests, ComposeFileTests and KubernetesManifestsTests read openapi.yaml and deploy files.
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
