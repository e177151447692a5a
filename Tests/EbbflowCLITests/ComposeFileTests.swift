// docker-compose.yml keeps what issue 20 promises of it: least-privilege roles, secrets, pgbouncer, clean stops, profiles.
import Foundation
import Testing

/// Why a parsing test: no Docker engine runs on the build machines, so nothing else notices a
/// worker whose grace period is shorter than its shutdown timeout, a service that connects as
/// the wrong role, or a password typed into the file. scripts/deploy-check adds
/// `docker compose config` where Docker exists.
@Suite struct ComposeFileTests {
    typealias Mapping = DeploymentFiles.Mapping

    static let file = "docker-compose.yml"
    static let image = "ebbflow:local"
    /// Each ebbflow service and the PostgreSQL role it must connect as.
    static let roles = [
        "roles": "postgres", "migrate": "ebbflow_owner", "worker": "ebbflow_worker", "serve": "ebbflow_api",
    ]
    static let profiled = [
        "prometheus": "monitoring", "citus-coordinator": "citus", "citus-worker-1": "citus", "citus-worker-2": "citus",
        "citus-setup": "citus",
    ]

    static func compose() throws -> Mapping { try DeploymentFiles.yaml(file) }

    static func services() throws -> [String: Mapping] {
        try #require(try compose()["services"] as? [String: Mapping], "services")
    }

    static func environment(_ service: Mapping) -> [String: String] {
        DeploymentFiles.mapping(service["environment"]).mapValues { "\($0)" }
    }

    static func command(_ service: Mapping) -> [String] { DeploymentFiles.strings(service["command"]) }

    static func dependency(_ service: Mapping, on other: String) -> String? {
        DeploymentFiles.mapping(DeploymentFiles.mapping(service["depends_on"])[other])["condition"] as? String
    }

    static func healthcheck(_ service: Mapping) -> String {
        DeploymentFiles.strings(DeploymentFiles.mapping(service["healthcheck"])["test"]).joined(separator: " ")
    }

    @Test func theServicesAndTheirProfiles() throws {
        let services = try Self.services()
        #expect(
            Set(services.keys)
                == Set(Self.roles.keys).union(Self.profiled.keys).union(["postgres", "pgbouncer"]))
        for (name, service) in services {
            #expect(DeploymentFiles.strings(service["profiles"]) == Self.profiled[name].map { [$0] } ?? [], "\(name)")
        }
        #expect(services["postgres"]?["image"] as? String == "postgres:15")
        for name in Self.profiled.keys where name.hasPrefix("citus") {
            #expect((services[name]?["image"] as? String)?.contains("citusdata/citus") == true, "\(name)")
        }
        let setup =
            Self.command(try #require(services["citus-setup"]))
            + DeploymentFiles.strings(services["citus-setup"]?["entrypoint"])
        for node in ["citus-worker-1", "citus-worker-2"] {
            #expect(setup.contains("SELECT citus_add_node('\(node)', 5432)"), "citus-setup registers \(node)")
            #expect(Self.dependency(try #require(services["citus-setup"]), on: node) == "service_healthy")
        }
        #expect(Self.dependency(try #require(services["citus-setup"]), on: "citus-coordinator") == "service_healthy")
    }

    /// Every ebbflow process connects as its own role, with that role's password from a secret file.
    @Test func everyEbbflowServiceRunsAsItsRoleWithItsSecret() throws {
        let compose = try Self.compose()
        let services = try Self.services()
        let secrets = try #require(compose["secrets"] as? [String: Mapping])
        let ebbflowServices = services.filter { $0.value["image"] as? String == Self.image }.keys
        #expect(Set(ebbflowServices) == Set(Self.roles.keys), "the services that run the ebbflow image")
        for (name, role) in Self.roles {
            let service = try #require(services[name])
            let environment = Self.environment(service)
            let url = try #require(
                DeploymentFiles.DatabaseURL(environment["DATABASE_URL"] ?? ""), "\(name)'s DATABASE_URL")
            #expect(url.user == role, "\(name) connects as \(role)")
            #expect(url.password == nil, "\(name)'s URL carries no password")
            let secret = role == "postgres" ? "postgres_password" : "\(role)_password"
            #expect(environment["EBBFLOW_DATABASE_PASSWORD_FILE"] == "/run/secrets/\(secret)", "\(name)")
            #expect(DeploymentFiles.strings(service["secrets"]).contains(secret), "\(name) mounts \(secret)")
            #expect(secrets[secret]?["file"] != nil, "\(secret) is a file")
        }
        let rolesService = try #require(services["roles"])
        #expect(Array(Self.command(rolesService).prefix(2)) == ["roles", "setup"])
        for role in ["owner", "worker", "api", "readonly"] {
            let secret = "ebbflow_\(role)_password"
            #expect(
                Self.command(rolesService).contains("\(role)=/run/secrets/\(secret)"), "roles sets \(role)'s password")
            #expect(DeploymentFiles.strings(rolesService["secrets"]).contains(secret))
        }
        #expect(Self.command(try #require(services["migrate"])) == ["migrate"])
        // Only the roles service knows the superuser's password.
        for (name, service) in services where name != "roles" && name != "postgres" {
            #expect(!DeploymentFiles.strings(service["secrets"]).contains("postgres_password"), "\(name)")
        }
    }

    @Test func startsInOrderRolesThenMigrateThenWorkersAndServe() throws {
        let services = try Self.services()
        let roles = try #require(services["roles"])
        let migrate = try #require(services["migrate"])
        #expect(Self.dependency(roles, on: "postgres") == "service_healthy")
        #expect(Self.dependency(migrate, on: "postgres") == "service_healthy")
        #expect(Self.dependency(migrate, on: "roles") == "service_completed_successfully")
        for name in ["worker", "serve"] {
            let service = try #require(services[name])
            #expect(Self.dependency(service, on: "migrate") == "service_completed_successfully", "\(name)")
            #expect(Self.dependency(service, on: "pgbouncer") == "service_healthy", "\(name)")
        }
        for name in ["roles", "migrate"] { #expect(services[name]?["restart"] as? String == "no", "\(name) runs once") }
    }

    /// pgbouncer pools in transaction mode, and whatever connects through it has prepared
    /// statements off (and, for workers, LISTEN off: it needs a session of its own).
    @Test func pgbouncerPoolsTransactionsAndItsClientsCanBePooled() throws {
        let services = try Self.services()
        let pgbouncer = try #require(services["pgbouncer"])
        let mount = try #require(
            DeploymentFiles.strings(pgbouncer["volumes"]).first { $0.hasSuffix(":/etc/pgbouncer/pgbouncer.ini:ro") })
        let iniPath = String(mount.prefix { $0 != ":" }.dropFirst(2)) // "./deploy/..." -> "deploy/..."
        let ini = try DeploymentFiles.ini(iniPath)
        #expect(ini["pgbouncer"]?["pool_mode"] == "transaction")
        #expect(ini["pgbouncer"]?["auth_type"] == "scram-sha-256")
        let listenPort = try #require(Int(ini["pgbouncer"]?["listen_port"] ?? ""))
        #expect(ini["databases"]?["ebbflow"]?.contains("host=postgres port=5432") == true)
        #expect(Self.healthcheck(pgbouncer).contains("\(listenPort)"))
        let pooledRoles = Set(Self.command(pgbouncer).map { String($0.prefix { $0 != "=" }) })
        for (name, role) in Self.roles {
            let service = try #require(services[name])
            let environment = Self.environment(service)
            let url = try #require(DeploymentFiles.DatabaseURL(environment["DATABASE_URL"] ?? ""))
            if name == "worker" || name == "serve" {
                #expect(url.host == "pgbouncer" && url.port == listenPort, "\(name) goes through pgbouncer")
            } else {
                #expect(url.host == "postgres" && url.port == 5432, "\(name) connects to PostgreSQL directly")
            }
            guard url.host == "pgbouncer" else { continue }
            #expect(environment["EBBFLOW_PREPARED_STATEMENTS"] == "0", "\(name) through pgbouncer: unnamed statements")
            #expect(pooledRoles.contains(role), "pgbouncer knows \(role)'s password")
            if Self.command(service).first == "worker" {
                #expect(Self.command(service).contains("--no-listen"), "\(name)")
            }
        }
        for entry in Self.command(pgbouncer) {
            let secret = String(
                try #require(entry.split(separator: "=", maxSplits: 1).last).dropFirst("/run/secrets/".count))
            #expect(DeploymentFiles.strings(pgbouncer["secrets"]).contains(secret), "pgbouncer mounts \(secret)")
        }
        #expect(
            !pooledRoles.contains("ebbflow_owner") && !pooledRoles.contains("postgres"), "no DDL role through the pool")
    }

    /// Docker's SIGKILL comes after stop_grace_period: it must outlast the shutdown timeout and the watchdog after it.
    @Test func stopGracePeriodsOutlastTheShutdownTimeouts() throws {
        let services = try Self.services()
        for name in ["worker", "serve"] {
            let service = try #require(services[name])
            let timeout = try #require(
                DeploymentFiles.value(of: "--shutdown-timeout", in: Self.command(service)).flatMap(Double.init),
                "\(name) passes --shutdown-timeout explicitly")
            let grace = try #require(DeploymentFiles.seconds(service["stop_grace_period"] as? String ?? ""), "\(name)")
            #expect(
                grace >= timeout + DeploymentFiles.watchdogAllowance, "\(name): grace \(grace) s, timeout \(timeout) s")
        }
    }

    /// Healthy means /readyz answers 200 on the port the process serves it on; Prometheus scrapes those ports.
    @Test func healthchecksAskReadyzAndPrometheusScrapesTheSamePorts() throws {
        let services = try Self.services()
        let worker = try #require(services["worker"])
        let serve = try #require(services["serve"])
        let metricsPort = try #require(DeploymentFiles.value(of: "--metrics-port", in: Self.command(worker)))
        let servePort = try #require(DeploymentFiles.value(of: "--port", in: Self.command(serve)))
        #expect(
            DeploymentFiles.value(of: "--metrics-host", in: Self.command(worker)) == "0.0.0.0",
            "reachable by Prometheus")
        #expect(DeploymentFiles.value(of: "--host", in: Self.command(serve)) == "0.0.0.0")
        for (name, service, port) in [("worker", worker, metricsPort), ("serve", serve, servePort)] {
            let check = Self.healthcheck(service)
            #expect(check.contains("/dev/tcp/127.0.0.1/\(port)") && check.contains("GET /readyz "), "\(name): \(check)")
        }
        let prometheus = try #require(services["prometheus"])
        let mount = try #require(DeploymentFiles.strings(prometheus["volumes"]).first { $0.contains("prometheus.yml") })
        let config = try DeploymentFiles.yaml(String(mount.prefix { $0 != ":" }.dropFirst(2)))
        let jobs = DeploymentFiles.list(config["scrape_configs"]).map(DeploymentFiles.mapping)
        let workerJob = try #require(jobs.first { $0["job_name"] as? String == "ebbflow-worker" })
        let discovery = try #require(
            DeploymentFiles.list(workerJob["dns_sd_configs"]).first.map(DeploymentFiles.mapping))
        #expect(DeploymentFiles.strings(discovery["names"]) == ["worker"], "every scaled worker, by the service's name")
        #expect(DeploymentFiles.string(discovery["port"]) == metricsPort)
        let serveJob = try #require(jobs.first { $0["job_name"] as? String == "ebbflow-serve" })
        let targets = DeploymentFiles.list(serveJob["static_configs"]).flatMap {
            DeploymentFiles.strings(DeploymentFiles.mapping($0)["targets"])
        }
        #expect(targets == ["serve:\(servePort)"])
    }

    /// Workers scale with --scale: nothing that names or publishes one container. Whatever is
    /// published is on the host's loopback only.
    @Test func workersScaleAndOnlyLoopbackIsPublished() throws {
        let services = try Self.services()
        let worker = try #require(services["worker"])
        #expect(worker["container_name"] == nil && worker["ports"] == nil)
        for (name, service) in services {
            #expect(service["container_name"] == nil, "\(name)")
            for port in DeploymentFiles.strings(service["ports"]) {
                #expect(port.hasPrefix("127.0.0.1:"), "\(name) publishes \(port) beyond the host's loopback")
            }
        }
        let serve = try #require(services["serve"])
        let servePort = try #require(DeploymentFiles.value(of: "--port", in: Self.command(serve)))
        #expect(DeploymentFiles.strings(serve["ports"]).map { $0.hasSuffix(":\(servePort)") } == [true])
    }

    /// No password in the file: only `*_FILE` settings naming /run/secrets, no credentials in a
    /// URL, the development defaults in files marked as such, and trust only inside the Citus experiment.
    @Test func noPasswordInTheFile() throws {
        let compose = try Self.compose()
        let services = try Self.services()
        func walk(_ value: Any, _ path: String) {
            if let mapping = value as? Mapping {
                for (key, child) in mapping {
                    if key.uppercased().contains("PASSWORD") && !(child is Mapping) {
                        #expect(
                            key.hasSuffix("_FILE") && "\(child)".hasPrefix("/run/secrets/"),
                            "\(path).\(key) must name a secret file, not hold a password")
                    }
                    walk(child, "\(path).\(key)")
                }
            } else if let list = value as? [Any] {
                for (index, child) in list.enumerated() { walk(child, "\(path)[\(index)]") }
            } else if let text = value as? String {
                #expect(
                    text.range(of: #"://[^/@\s]+:[^/@\s]*@"#, options: .regularExpression) == nil,
                    "\(path): credentials in a URL")
            }
        }
        walk(compose["services"] as Any, "services")
        let internalNetworks = Set(
            DeploymentFiles.mapping(compose["networks"]).filter {
                DeploymentFiles.mapping($0.value)["internal"] as? Bool == true
            }.keys)
        for (name, service) in services {
            guard let method = Self.environment(service)["POSTGRES_HOST_AUTH_METHOD"] else { continue }
            #expect(method != "trust" || Self.profiled[name] == "citus", "\(name): trust only in the Citus experiment")
            #expect(service["ports"] == nil, "\(name) trusts its network: it publishes nothing")
            let networks = Set(DeploymentFiles.strings(service["networks"]))
            #expect(
                !networks.isEmpty && networks.isSubset(of: internalNetworks), "\(name) sits only on internal networks")
        }
        let secrets = try #require(compose["secrets"] as? [String: Mapping])
        for (name, secret) in secrets {
            let file = try #require(secret["file"] as? String)
            #expect(file == "${EBBFLOW_SECRETS_DIR:-./deploy/secrets/development}/\(name)", "\(name): \(file)")
            let development = try DeploymentFiles.text("deploy/secrets/development/\(name)")
            #expect(development.hasPrefix("development-only-"), "\(name)'s development default says what it is")
            #expect(!development.hasSuffix("\n"), "\(name): no newline a reader could take for part of the password")
        }
    }

    /// The image the services run: a numeric non-root user (Kubernetes's runAsNonRoot can only
    /// verify a number), the port `serve` publishes, no secrets in its build context.
    @Test func theImageFitsTheServices() throws {
        let dockerfile = try DeploymentFiles.text("Dockerfile").split(separator: "\n").map(String.init)
        #expect(dockerfile.contains("EXPOSE 8080"))
        #expect(dockerfile.contains("USER 10001:10001"))
        #expect(dockerfile.contains(#"ENTRYPOINT ["ebbflow"]"#))
        let ignored = try DeploymentFiles.text(".dockerignore").split(separator: "\n").map(String.init)
        #expect(ignored.contains("deploy"), "deploy/ (the development secrets among it) stays out of the image")
        let services = try Self.services()
        #expect(services["serve"]?["build"] as? String == ".")
    }
}
