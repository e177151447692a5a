// scripts/lib.sh's ebbflow_ensure_deps with a fake dpkg-query and apt-get on PATH: which packages it asks apt for.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct EnsureDepsScriptTests {
    /// The repository root, from this file's place in it.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// What one run did: its exit status, apt-get's argument lines, and its stderr.
    struct Run {
        var status: Int32
        var apt: [String]
        var stderr: String
        /// The package names of the real (not dry-run) `apt-get install`, or nil when none ran.
        var installed: [String]? {
            guard let line = apt.first(where: { $0.hasPrefix("install ") && !$0.contains(" -s ") }) else { return nil }
            return line.split(separator: " ").map(String.init).filter {
                !$0.hasPrefix("-") && $0 != "install" && !$0.hasPrefix("Dpkg::")
            }
        }
    }

    /// Runs `ebbflow_ensure_deps NEEDS` as root would, dpkg recording `installed`; the fake
    /// apt-get's dry run also reports `upgrading` as an upgrade when given.
    /// With `venvlessPython`, the python3 on PATH is one that cannot make a venv.
    func ensure(_ needs: String, installed: [String], upgrading: String? = nil, venvlessPython: Bool = false) throws
        -> Run
    {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent(
            "deps-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: state) }
        let bin = state.appendingPathComponent("bin"), dpkg = state.appendingPathComponent("installed")
        for directory in [bin, dpkg] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        for name in installed {
            _ = FileManager.default.createFile(atPath: dpkg.appendingPathComponent(name).path, contents: Data())
        }
        let fakes = [
            "dpkg-query": """
            #!/bin/bash
            shift 2
            for pattern in "$@"; do for f in "$FAKE_STATE"/installed/$pattern; do [ -e "$f" ] && echo installed; done; done
            exit 0
            """,
            "apt-get": """
            #!/bin/bash
            echo "$*" >>"$FAKE_STATE/apt.log"
            [ "$1" = install ] || exit 0
            names=(); skip=false
            for a in "${@:2}"; do
                if $skip; then skip=false; continue; fi
                case $a in -o) skip=true ;; -*) ;; *) names+=("$a") ;; esac
            done
            if [[ " $* " == *" -s "* ]]; then
                for n in "${names[@]}"; do echo "Inst $n (1.0 Debian:12)"; done
                [ -z "${FAKE_UPGRADE:-}" ] || echo "Inst $FAKE_UPGRADE [15.18-0+deb12u1] (15.20-0+deb12u1 Debian:12)"
            else
                for n in "${names[@]}"; do touch "$FAKE_STATE/installed/$n"; done
            fi
            exit 0
            """,
        ]
        // The fakes are written by the child shell itself: a file this multi-threaded process
        // writes can be held open by a process another test forks meanwhile, and exec of it
        // then fails with "Text file busy".
        let script = """
            exec 2>"$FAKE_STATE/stderr"
            printf '%s\\n' "$FAKE_DPKG_QUERY" >"$FAKE_STATE/bin/dpkg-query"
            printf '%s\\n' "$FAKE_APT_GET" >"$FAKE_STATE/bin/apt-get"
            chmod +x "$FAKE_STATE/bin/dpkg-query" "$FAKE_STATE/bin/apt-get"
            if [ -n "${FAKE_NO_VENV:-}" ]; then
                printf '#!/bin/sh\nexit 1\n' >"$FAKE_STATE/bin/python3"
                chmod +x "$FAKE_STATE/bin/python3"
            fi
            . "$EBBFLOW_TEST_ROOT/scripts/lib.sh"
            ebbflow_is_root() { true; }
            ebbflow_ensure_deps \(needs)
            """
        var environment = [
            "PATH": "\(bin.path):/usr/bin:/bin", "FAKE_STATE": state.path, "EBBFLOW_TEST_ROOT": Self.root.path,
            "EBBFLOW_CREATECLUSTER_CONF": state.appendingPathComponent("createcluster.conf").path,
        ]
        environment["FAKE_DPKG_QUERY"] = fakes["dpkg-query"]
        environment["FAKE_APT_GET"] = fakes["apt-get"]
        if let upgrading { environment["FAKE_UPGRADE"] = upgrading }
        if venvlessPython { environment["FAKE_NO_VENV"] = "1" }
        let status = try CleanSpawn.run("/bin/bash", ["-c", script], environment: environment)
        let log = (try? String(contentsOf: state.appendingPathComponent("apt.log"), encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: state.appendingPathComponent("stderr"), encoding: .utf8)) ?? ""
        return Run(status: status, apt: log.split(separator: "\n").map(String.init), stderr: stderr)
    }

    static let serverAndBuild = ["postgresql", "postgresql-15", "postgresql-client-15", "libpq-dev", "pkg-config"]

    /// Issue 14 item 22: with only pgbouncer missing, the whole list went to `apt-get install`,
    /// which upgraded the running postgresql-15. Only the missing name is asked for, with
    /// --no-upgrade; the demo's needs (no pooler) ask for nothing.
    @Test func onlyTheMissingPackageIsInstalledWithoutUpgrades() throws {
        let tests = try ensure("build server pooler", installed: Self.serverAndBuild)
        #expect(tests.status == 0, "\(tests.stderr)")
        #expect(tests.installed == ["pgbouncer"], "\(tests.apt)")
        #expect(
            tests.apt.filter { $0.hasPrefix("install ") }.allSatisfy { $0.contains("--no-upgrade") }, "\(tests.apt)")

        let demo = try ensure("build server", installed: Self.serverAndBuild)
        #expect(demo.status == 0 && demo.apt.isEmpty, "the demo needs no pgbouncer: \(demo.apt)")
        let demoScript = try String(contentsOf: Self.root.appendingPathComponent("scripts/demo"), encoding: .utf8)
        #expect(
            demoScript.contains("\nebbflow_ensure_deps build server\n"), "scripts/demo asks for what the demo needs")
    }

    /// A server installed as postgresql-15 alone (no metapackage) counts; pkgconf counts as
    /// pkg-config; only libpq-dev is asked for.
    @Test func anyInstalledServerVersionCounts() throws {
        let run = try ensure("build server", installed: ["postgresql-15", "pkgconf"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.installed == ["libpq-dev"], "\(run.apt)")
    }

    /// When apt's dry run shows that installing the missing names would upgrade an installed
    /// package, nothing is installed and the line says which.
    @Test func anInstallThatWouldUpgradeIsRefused() throws {
        let run = try ensure("build server pooler", installed: Self.serverAndBuild, upgrading: "postgresql-15")
        #expect(run.status == 1)
        #expect(run.installed == nil, "no real install: \(run.apt)")
        #expect(
            run.stderr.contains(
                "error: installing pgbouncer would upgrade installed packages (postgresql-15); nothing was installed"),
            "\(run.stderr)")
    }

    /// scripts/api-contract's venv: a python3 that cannot make one gets python3-venv, and only
    /// that when dpkg has python3 already; the other needs ask for nothing more.
    @Test func thePythonNeedAsksForVenvOnlyWhenMissing() throws {
        let run = try ensure(
            "build server pooler python", installed: Self.serverAndBuild + ["pgbouncer", "python3"],
            venvlessPython: true)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.installed == ["python3-venv"], "\(run.apt)")
        let none = try ensure(
            "build server pooler python", installed: Self.serverAndBuild + ["pgbouncer", "python3", "python3-venv"],
            venvlessPython: true)
        #expect(none.status == 0 && none.apt.isEmpty, "\(none.apt)")
    }

    /// scripts/browser-test's Chromium: the browser need asks for chromium and its driver, only
    /// the one that is missing, and never upgrades what is installed.
    @Test func theBrowserNeedAsksForChromiumAndItsDriverOnlyWhenMissing() throws {
        let both = try ensure("build server browser", installed: Self.serverAndBuild)
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.installed?.sorted() == ["chromium", "chromium-driver"], "\(both.apt)")
        let driver = try ensure("build server browser", installed: Self.serverAndBuild + ["chromium"])
        #expect(driver.installed == ["chromium-driver"], "\(driver.apt)")
        let none = try ensure("build server browser", installed: Self.serverAndBuild + ["chromium", "chromium-driver"])
        #expect(none.status == 0 && none.apt.isEmpty, "\(none.apt)")
    }
}
