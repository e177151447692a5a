// deploy/kubernetes/ keeps what issue 20 promises: clean stops, probes on the right ports, secrets by reference, budgets that match.
import Foundation
import Testing

/// Why: no cluster runs on the build machines. scripts/deploy-check validates each object
/// against the Kubernetes schemas; this checks what the schemas cannot know: that a grace
/// period outlasts the shutdown timeout passed in the container's own arguments, that a probe
/// asks the port the process serves it on, that a budget or a Service selects the pods it is for.
@Suite struct KubernetesManifestsTests {
    typealias Mapping = DeploymentFiles.Mapping

    static let directory = "deploy/kubernetes"
    /// Each pod's component label, the ConfigMap key of its database URL, and the key of its password in the Secret.
    static let components: [String: (urlKey: String, role: String, secretKey: String)] = [
        "migrate": ("OWNER_DATABASE_URL", "ebbflow_owner", "owner"),
        "worker": ("WORKER_DATABASE_URL", "ebbflow_worker", "worker"),
        "serve": ("API_DATABASE_URL", "ebbflow_api", "api"),
        "roles": ("ADMIN_DATABASE_URL", "postgres", "password"),
    ]

    struct Object {
        var file: String
        var body: Mapping
        var kind: String { body["kind"] as? String ?? "" }
        var name: String { DeploymentFiles.mapping(body["metadata"])["name"] as? String ?? "" }
        var spec: Mapping { DeploymentFiles.mapping(body["spec"]) }
        /// A Deployment's or a Job's pod template.
        var template: Mapping { DeploymentFiles.mapping(spec["template"]) }
        var podSpec: Mapping { DeploymentFiles.mapping(template["spec"]) }
        var podLabels: [String: String] {
            DeploymentFiles.mapping(DeploymentFiles.mapping(template["metadata"])["labels"]).mapValues { "\($0)" }
        }
        var containers: [Mapping] { DeploymentFiles.list(podSpec["containers"]).map(DeploymentFiles.mapping) }
        var component: String { podLabels["app.kubernetes.io/component"] ?? "" }
    }

    static func objects() throws -> [Object] {
        try DeploymentFiles.yamlFiles(under: directory).filter { !$0.hasSuffix("/kustomization.yaml") }.flatMap {
            file in
            try DeploymentFiles.documents(file).map { Object(file: file, body: $0) }
        }
    }

    static func matchLabels(_ selector: Any?) -> [String: String] {
        DeploymentFiles.mapping(DeploymentFiles.mapping(selector)["matchLabels"]).mapValues { "\($0)" }
    }

    static func selects(_ selector: [String: String], _ labels: [String: String]) -> Bool {
        !selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }
    }

    /// A probe's or a Service's port: a number, or a container port's name.
    static func port(_ value: Any?, in container: Mapping) -> String? {
        guard let value else { return nil }
        let ports = DeploymentFiles.list(container["ports"]).map(DeploymentFiles.mapping)
        if let named = ports.first(where: { $0["name"] as? String == "\(value)" }) {
            return DeploymentFiles.string(named["containerPort"])
        }
        return "\(value)"
    }

    @Test func kustomizationListsTheEverydayFilesAndEveryObjectIsInTheNamespace() throws {
        let kustomization = try DeploymentFiles.yaml("\(Self.directory)/kustomization.yaml")
        let listed = DeploymentFiles.strings(kustomization["resources"])
        for file in listed { #expect(DeploymentFiles.exists("\(Self.directory)/\(file)"), "\(file) exists") }
        let files = try DeploymentFiles.yamlFiles(under: Self.directory).map {
            String($0.dropFirst(Self.directory.count + 1))
        }
        // The two left out on purpose, each saying why in its first comment.
        #expect(Set(files).subtracting(listed) == ["kustomization.yaml", "roles-job.yaml", "worker-hpa.yaml"])
        let objects = try Self.objects()
        let namespace = try #require(objects.first { $0.kind == "Namespace" })
        #expect(kustomization["namespace"] as? String == namespace.name)
        for object in objects where object.kind != "Namespace" {
            #expect(
                DeploymentFiles.mapping(object.body["metadata"])["namespace"] as? String == namespace.name,
                "\(object.file)")
        }
        #expect(
            Set(objects.map { "\($0.kind)/\($0.name)" }).isSuperset(of: [
                "Job/ebbflow-migrate", "Deployment/ebbflow-worker", "Deployment/ebbflow-serve", "Service/ebbflow-serve",
                "PodDisruptionBudget/ebbflow-worker", "PodDisruptionBudget/ebbflow-serve", "ConfigMap/ebbflow-config",
            ]))
    }

    /// Every pod: non-root by number, read-only root, no capabilities, bounded resources, and its
    /// role's URL and password file, the password only ever a mounted Secret.
    @Test func everyPodIsLockedDownAndConnectsAsItsRoleWithASecretByReference() throws {
        let objects = try Self.objects()
        #expect(!objects.contains { $0.kind == "Secret" }, "no Secret ships here: README.md says how to create them")
        let configMap = DeploymentFiles.mapping(
            try #require(objects.first { $0.kind == "ConfigMap" && $0.name == "ebbflow-config" }).body["data"])
        let pods = objects.filter { ["Deployment", "Job"].contains($0.kind) }
        #expect(Set(pods.map(\.component)) == Set(Self.components.keys))
        for pod in pods {
            let context = DeploymentFiles.mapping(pod.podSpec["securityContext"])
            #expect(
                context["runAsNonRoot"] as? Bool == true && DeploymentFiles.string(context["runAsUser"]) == "10001",
                "\(pod.file)")
            #expect(pod.podSpec["automountServiceAccountToken"] as? Bool == false, "\(pod.file): no API token")
            #expect(
                Self.matchLabels(pod.spec["selector"]).allSatisfy { pod.podLabels[$0.key] == $0.value }, "\(pod.file)")
            let expected = try #require(Self.components[pod.component], "\(pod.file)'s component")
            let volumes = DeploymentFiles.list(pod.podSpec["volumes"]).map(DeploymentFiles.mapping)
            for container in pod.containers {
                let security = DeploymentFiles.mapping(container["securityContext"])
                #expect(security["readOnlyRootFilesystem"] as? Bool == true, "\(pod.file)")
                #expect(security["allowPrivilegeEscalation"] as? Bool == false, "\(pod.file)")
                #expect(
                    DeploymentFiles.strings(DeploymentFiles.mapping(security["capabilities"])["drop"]) == ["ALL"],
                    "\(pod.file)")
                let resources = DeploymentFiles.mapping(container["resources"])
                for bound in ["requests", "limits"] {
                    let values = DeploymentFiles.mapping(resources[bound])
                    #expect(values["cpu"] != nil && values["memory"] != nil, "\(pod.file): \(bound)")
                }
                var environment: [String: Mapping] = [:]
                for item in DeploymentFiles.list(container["env"]).map(DeploymentFiles.mapping) {
                    let name = try #require(item["name"] as? String)
                    environment[name] = item
                    if name.uppercased().contains("PASSWORD") {
                        #expect(name.hasSuffix("_FILE"), "\(pod.file): \(name) must be a file's path, not a password")
                    }
                    #expect(
                        item["valueFrom"].map { DeploymentFiles.mapping($0)["secretKeyRef"] == nil } ?? true,
                        "\(pod.file): files, not env")
                    if let reference = DeploymentFiles.mapping(item["valueFrom"])["configMapKeyRef"] {
                        let key = try #require(DeploymentFiles.mapping(reference)["key"] as? String)
                        #expect(configMap[key] != nil, "\(pod.file): ConfigMap key \(key)")
                    }
                }
                #expect(container["envFrom"] == nil, "\(pod.file): each setting named")
                let urlKey = DeploymentFiles.mapping(
                    DeploymentFiles.mapping(environment["DATABASE_URL"]?["valueFrom"])["configMapKeyRef"])["key"]
                #expect(urlKey as? String == expected.urlKey, "\(pod.file)")
                let url = try #require(
                    DeploymentFiles.DatabaseURL(configMap[expected.urlKey] as? String ?? ""), "\(expected.urlKey)")
                #expect(url.user == expected.role && url.password == nil, "\(pod.file) connects as \(expected.role)")

                // The password file lies in a mounted secret volume whose item is this role's key.
                let passwordFile = try #require(
                    environment["EBBFLOW_DATABASE_PASSWORD_FILE"]?["value"] as? String, "\(pod.file)")
                let mountPath = (passwordFile as NSString).deletingLastPathComponent
                let mounts = DeploymentFiles.list(container["volumeMounts"]).map(DeploymentFiles.mapping)
                let mount = try #require(
                    mounts.first { $0["mountPath"] as? String == mountPath }, "\(pod.file): \(mountPath) mounted")
                let volume = try #require(volumes.first { $0["name"] as? String == mount["name"] as? String })
                let secret = try #require(volume["secret"] as? Mapping, "\(pod.file): \(mountPath) is a Secret")
                let items = DeploymentFiles.list(secret["items"]).map(DeploymentFiles.mapping)
                let file = (passwordFile as NSString).lastPathComponent
                #expect(
                    items.contains { $0["path"] as? String == file && $0["key"] as? String == expected.secretKey },
                    "\(pod.file)")
                // Whatever the process writes goes to an emptyDir: the root file system is read-only.
                #expect(mounts.contains { $0["mountPath"] as? String == "/tmp" }, "\(pod.file)")
            }
        }
    }

    /// The kubelet's SIGKILL comes after terminationGracePeriodSeconds: it must outlast the preStop
    /// hook, the shutdown timeout the container is given and the watchdog after it.
    @Test func gracePeriodsOutlastTheShutdownTimeoutsInTheArguments() throws {
        let deployments = try Self.objects().filter { $0.kind == "Deployment" }
        #expect(Set(deployments.map(\.component)) == ["worker", "serve"])
        for deployment in deployments {
            let grace = try #require(
                DeploymentFiles.string(deployment.podSpec["terminationGracePeriodSeconds"]).flatMap(Double.init))
            for container in deployment.containers {
                let arguments = DeploymentFiles.strings(container["args"])
                let timeout = try #require(
                    DeploymentFiles.value(of: "--shutdown-timeout", in: arguments).flatMap(Double.init),
                    "\(deployment.file) passes --shutdown-timeout")
                let preStop = DeploymentFiles.strings(
                    DeploymentFiles.mapping(
                        DeploymentFiles.mapping(DeploymentFiles.mapping(container["lifecycle"])["preStop"])["exec"])[
                            "command"])
                let sleep = preStop.first == "sleep" ? Double(preStop.last ?? "") ?? .infinity : 0
                #expect(
                    preStop.isEmpty || preStop.first == "sleep", "\(deployment.file): a preStop hook this test can time"
                )
                #expect(
                    grace >= sleep + timeout + DeploymentFiles.watchdogAllowance,
                    "\(deployment.file): grace \(grace) s, preStop \(sleep) s, timeout \(timeout) s")
            }
        }
    }

    /// Liveness asks /healthz and readiness /readyz on the port the process serves them on,
    /// bound to the pod's address (the kubelet does not probe the pod's loopback).
    @Test func probesAskTheProcessOnItsOwnPort() throws {
        for deployment in try Self.objects().filter({ $0.kind == "Deployment" }) {
            let container = try #require(deployment.containers.first)
            let arguments = DeploymentFiles.strings(container["args"])
            let (portFlag, hostFlag) =
                arguments.first == "worker" ? ("--metrics-port", "--metrics-host") : ("--port", "--host")
            let port = try #require(
                DeploymentFiles.value(of: portFlag, in: arguments), "\(deployment.file): \(portFlag)")
            #expect(DeploymentFiles.value(of: hostFlag, in: arguments) == "0.0.0.0", "\(deployment.file)")
            for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
                let get = DeploymentFiles.mapping(DeploymentFiles.mapping(container[probe])["httpGet"])
                #expect(get["path"] as? String == path, "\(deployment.file): \(probe)")
                #expect(Self.port(get["port"], in: container) == port, "\(deployment.file): \(probe) asks port \(port)")
            }
        }
    }

    /// Each budget protects exactly one Deployment's pods; the Service reaches serve's pods on
    /// serve's port; the optional autoscaler scales the worker Deployment.
    @Test func budgetsServiceAndAutoscalerSelectThePodsTheyAreFor() throws {
        let objects = try Self.objects()
        let deployments = objects.filter { $0.kind == "Deployment" }
        let budgets = objects.filter { $0.kind == "PodDisruptionBudget" }
        var protected: Set<String> = []
        for budget in budgets {
            let selected = deployments.filter { Self.selects(Self.matchLabels(budget.spec["selector"]), $0.podLabels) }
            #expect(selected.count == 1, "\(budget.file) selects one Deployment's pods")
            protected.formUnion(selected.map(\.name))
            #expect((budget.spec["minAvailable"] == nil) != (budget.spec["maxUnavailable"] == nil), "\(budget.file)")
        }
        #expect(protected == Set(deployments.map(\.name)), "every Deployment has a budget")
        let service = try #require(objects.first { $0.kind == "Service" })
        let selector = DeploymentFiles.mapping(service.spec["selector"]).mapValues { "\($0)" }
        let serve = try #require(deployments.first { $0.component == "serve" })
        #expect(deployments.filter { Self.selects(selector, $0.podLabels) }.map(\.name) == [serve.name])
        let servePort = DeploymentFiles.value(
            of: "--port", in: DeploymentFiles.strings(serve.containers.first?["args"]))
        for port in DeploymentFiles.list(service.spec["ports"]).map(DeploymentFiles.mapping) {
            #expect(Self.port(port["targetPort"], in: try #require(serve.containers.first)) == servePort)
        }
        let autoscaler = try #require(objects.first { $0.kind == "HorizontalPodAutoscaler" })
        let target = DeploymentFiles.mapping(autoscaler.spec["scaleTargetRef"])
        #expect(target["kind"] as? String == "Deployment" && target["name"] as? String == "ebbflow-worker")
    }
}
