# shellcheck shell=bash
# scripts/lib.sh: bash helpers shared by scripts/dev-db, scripts/test, scripts/demo and .ci/run.
#
# Sourced, never run. It exists so that "which packages does ebbflow need, and how
# do we get them" is answered in exactly one place: a developer's shell, the test
# command and CI all install (or ask for) the same things in the same way.

# The repository root: the parent of the directory holding this file.
# shellcheck disable=SC2034 # used by the scripts that source this file
EBBFLOW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

# The Debian/Ubuntu packages ebbflow needs, by need: "server" (postgresql, for scripts/dev-db),
# "build" (libpq plus pkg-config; Package.swift finds libpq via pkg-config), "pooler"
# (pgbouncer, which Tests/EbbflowCLITests/PgbouncerTests.swift starts itself; only the tests
# need it, never the demo) and "python" (python3 with venv, for the virtual environment in
# .ebbflow/venv where scripts/api-contract installs schemathesis and scripts/deploy-check
# kubernetes-validate from PyPI; only the tests) and
# "browser" (Debian's chromium and chromium-driver, which scripts/browser-test drives headless
# through Selenium; only the tests).
EBBFLOW_APT_PACKAGES=(postgresql libpq-dev pkg-config pgbouncer python3 python3-venv chromium chromium-driver)

# Progress and errors go to stderr, so stdout stays free for values (URLs, paths).
ebbflow_log() { printf '%s: %s\n' "${EBBFLOW_PROG:-ebbflow}" "$*" >&2; }
ebbflow_die() { ebbflow_log "error: $*"; exit 1; }

ebbflow_is_root() { [ "$(id -u)" = 0 ]; }

# Puts Swift on PATH if it is installed where our machines keep it but not on PATH.
ebbflow_ensure_swift() {
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        PATH=/opt/swift/usr/bin:$PATH
        export PATH
    fi
    command -v swift >/dev/null 2>&1 ||
        ebbflow_die "swift not found: install a Swift 6 toolchain (https://www.swift.org/install) and put it on PATH"
}

# Sets EBBFLOW_PG_BINDIR to the directory holding initdb and pg_ctl: the newest
# /usr/lib/postgresql/<version>/bin (Debian's layout), else wherever PATH finds
# initdb. Returns 1 (and leaves it empty) when there is no server installed.
ebbflow_find_pg_bindir() {
    EBBFLOW_PG_BINDIR=
    local d best=
    for d in /usr/lib/postgresql/*/bin; do
        if [ ! -x "$d/initdb" ] || [ ! -x "$d/pg_ctl" ]; then continue; fi
        best=$(printf '%s\n%s\n' "$best" "$d" | sed '/^$/d' | sort -V | tail -n 1)
    done
    if [ -z "$best" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        best=$(dirname "$(command -v initdb)")
    fi
    [ -n "$best" ] || return 1
    EBBFLOW_PG_BINDIR=$best
}

# Whether dpkg records any of the packages (names or patterns) as installed, whatever its
# version. Returns 2 when there is no dpkg (not Debian/Ubuntu).
ebbflow_dpkg_installed() {
    command -v dpkg-query >/dev/null 2>&1 || return 2
    dpkg-query -W -f='${db:Status-Status}\n' "$@" 2>/dev/null | grep -qx installed
}

# Prints the packages (from EBBFLOW_APT_PACKAGES) that are missing, one a line. Arguments name
# what is needed: "server" (initdb, pg_ctl, psql, pg_isready), "build" (pkg-config and libpq's
# headers and .pc file), "pooler" (pgbouncer) and/or "python" (a python3 that can make a venv
# with pip). On Debian/Ubuntu each package is checked with dpkg-query (any installed
# postgresql-NN is a server); elsewhere, by its tools. "python" is checked by what it does
# first everywhere: a python3 that already makes venvs (pyenv, a source build) needs nothing.
ebbflow_missing_packages() {
    local want dpkg=true
    command -v dpkg-query >/dev/null 2>&1 || dpkg=false
    for want in "$@"; do
        case $want in
        server)
            if $dpkg; then
                ebbflow_dpkg_installed postgresql 'postgresql-[0-9]*' || echo postgresql
            elif ! ebbflow_find_pg_bindir ||
                ! { [ -x "$EBBFLOW_PG_BINDIR/psql" ] || command -v psql >/dev/null 2>&1; } ||
                ! { [ -x "$EBBFLOW_PG_BINDIR/pg_isready" ] || command -v pg_isready >/dev/null 2>&1; }; then
                echo postgresql
            fi
            ;;
        pooler)
            if $dpkg; then
                ebbflow_dpkg_installed pgbouncer || echo pgbouncer
            else
                [ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1 || echo pgbouncer
            fi
            ;;
        python)
            if command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
                :
            elif $dpkg; then
                ebbflow_dpkg_installed python3 || echo python3
                ebbflow_dpkg_installed python3-venv || echo python3-venv
            else
                echo python3-venv
            fi
            ;;
        browser)
            if $dpkg; then
                ebbflow_dpkg_installed chromium || echo chromium
                ebbflow_dpkg_installed chromium-driver || echo chromium-driver
            else
                command -v chromium >/dev/null 2>&1 || echo chromium
                command -v chromedriver >/dev/null 2>&1 || echo chromium-driver
            fi
            ;;
        build)
            if $dpkg; then
                ebbflow_dpkg_installed pkg-config pkgconf || echo pkg-config
                ebbflow_dpkg_installed libpq-dev || echo libpq-dev
            elif ! command -v pkg-config >/dev/null 2>&1; then
                echo pkg-config
                echo libpq-dev # cannot check it without pkg-config
            elif ! pkg-config --exists libpq; then
                echo libpq-dev
            fi
            ;;
        *) ebbflow_die "ebbflow_missing_packages: unknown need '$want'" ;;
        esac
    done
}

# Makes sure the packages for each named need ("server", "build", "pooler", "python", "browser") are installed.
# As root with apt-get, installs the missing ones and only those: `apt-get install
# --no-upgrade` with just their names, after a dry run shows it would upgrade nothing already
# installed. Why: asking apt for the whole list once upgraded the running postgresql-15 under
# live clusters, which then failed to load plpgsql.so. Otherwise says exactly what to install
# and exits 1. Before installing the server it tells Debian's postgresql-common not to create
# and start a system-wide "main" cluster: we only ever run private clusters (scripts/dev-db).
ebbflow_ensure_deps() {
    local missing
    missing=$(ebbflow_missing_packages "$@" | sort -u | tr '\n' ' ')
    missing=${missing% }
    [ -n "$missing" ] || return 0

    if ebbflow_is_root && command -v apt-get >/dev/null 2>&1; then
        local -a names
        read -r -a names <<<"$missing"
        ebbflow_log "installing the missing packages only: $missing"
        export DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1
        apt-get update -q >&2
        local plan upgrades
        plan=$(apt-get install -s -q --no-upgrade --no-install-recommends "${names[@]}" </dev/null) ||
            ebbflow_die "apt-get cannot install $missing"
        # A dry run's "Inst NAME [OLD] (NEW …)" line is an upgrade of an installed package.
        upgrades=$(printf '%s\n' "$plan" | sed -n 's/^Inst \([^ ]*\) \[.*/\1/p' | tr '\n' ' ')
        upgrades=${upgrades% }
        [ -z "$upgrades" ] ||
            ebbflow_die "installing $missing would upgrade installed packages ($upgrades); nothing was installed: install $missing yourself when the clusters can be restarted"
        if [[ " $missing " == *" postgresql "* ]]; then
            local conf=${EBBFLOW_CREATECLUSTER_CONF:-/etc/postgresql-common/createcluster.conf}
            mkdir -p "$(dirname "$conf")"
            if [ -f "$conf" ] && grep -Eq '^[[:space:]]*#?[[:space:]]*create_main_cluster[[:space:]]*=' "$conf"; then
                sed -i -E 's/^[[:space:]]*#?[[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' "$conf"
            else
                echo 'create_main_cluster = false' >>"$conf"
            fi
        fi
        # confold: keep the createcluster.conf written above if dpkg asks.
        apt-get install -y -q --no-upgrade --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${names[@]}" </dev/null >&2
        missing=$(ebbflow_missing_packages "$@" | sort -u | tr '\n' ' ')
        [ -z "${missing% }" ] || ebbflow_die "still missing after apt-get install: $missing"
        return 0
    fi

    ebbflow_log "error: missing required packages: $missing"
    {
        echo "  Debian/Ubuntu: sudo apt-get install -y --no-upgrade $missing"
        echo "  macOS (Homebrew): brew install postgresql@15 pkg-config   (then put its bin/ on PATH)"
    } >&2
    exit 1
}

# Sets EBBFLOW_PROMTOOL to a `promtool` (Prometheus's linter, which the metrics test runs on
# the worker's /metrics): the one on PATH, else one extracted earlier into .ebbflow/tools,
# else, where apt-get works, the binary taken out of Debian's `prometheus` package without
# installing it (installing would set up and start a Prometheus server). Returns 1, leaving it
# empty, when none can be had.
ebbflow_find_promtool() {
    EBBFLOW_PROMTOOL=
    local tools=$EBBFLOW_ROOT/.ebbflow/tools
    if command -v promtool >/dev/null 2>&1; then
        EBBFLOW_PROMTOOL=$(command -v promtool)
        return 0
    fi
    if [ -x "$tools/promtool" ]; then
        EBBFLOW_PROMTOOL=$tools/promtool
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 || return 1
    local work
    work=$(mktemp -d)
    # As root, apt downloads into a directory _apt cannot write without its sandbox (it says
    # so, and the package is still checked against the signed index).
    if ! (cd "$work" && apt-get download -q prometheus >/dev/null 2>&1); then
        if ebbflow_is_root; then apt-get update -q >&2 || true; fi
        (cd "$work" && apt-get download -q prometheus >/dev/null 2>&1) || {
            rm -rf "$work"
            return 1
        }
    fi
    mkdir -p "$tools"
    if dpkg-deb -x "$work"/prometheus_*.deb "$work/x" && [ -x "$work/x/usr/bin/promtool" ]; then
        mv "$work/x/usr/bin/promtool" "$tools/promtool"
        EBBFLOW_PROMTOOL=$tools/promtool
    fi
    rm -rf "$work"
    [ -n "$EBBFLOW_PROMTOOL" ]
}

# The Python tools the tests take from PyPI, as pip requirements, each with the module that
# shows it is installed. schemathesis is pinned to 4.x: its command-line flags differ from 3.x
# and scripts/api-contract uses the 4.x ones. aiosmtpd is the SMTP server the mail and delivery
# tests run on loopback (scripts/smtp-server); 1.4 has the hooks and options that script uses.
# Selenium drives Chromium for scripts/browser-test (4.x: the Service and Options API it uses).
# kubernetes-validate checks deploy/kubernetes/ against the Kubernetes OpenAPI schemas it
# carries (scripts/deploy-check; 1.29 and later carry the 1.29 schemas that script names).
EBBFLOW_PIP_REQUIREMENTS=("schemathesis>=4,<5" "openapi-spec-validator>=0.7,<1" "aiosmtpd>=1.4,<2" "selenium>=4.20,<5"
    "kubernetes-validate>=1.29,<2")
EBBFLOW_PIP_MODULES=(schemathesis openapi_spec_validator aiosmtpd selenium kubernetes_validate)

# Sets EBBFLOW_VENV to .ebbflow/venv, a virtual environment holding EBBFLOW_PIP_REQUIREMENTS:
# makes it if missing (python3-venv first, through ebbflow_ensure_deps python) and pip-installs
# only the requirements whose module does not import. Arguments, if any, name the modules (of
# EBBFLOW_PIP_MODULES) the caller needs, and only those are installed: scripts/deploy-check
# needs kubernetes_validate, not a browser driver. Why a venv under .ebbflow: nothing is
# installed into the system's Python, and deleting .ebbflow removes it with the clusters.
ebbflow_ensure_venv() {
    EBBFLOW_VENV=$EBBFLOW_ROOT/.ebbflow/venv
    if [ ! -x "$EBBFLOW_VENV/bin/python" ]; then
        ebbflow_ensure_deps python
        ebbflow_log "creating the Python virtual environment $EBBFLOW_VENV"
        mkdir -p "$EBBFLOW_ROOT/.ebbflow"
        python3 -m venv "$EBBFLOW_VENV" >&2 || ebbflow_die "python3 -m venv $EBBFLOW_VENV failed"
    fi
    local i
    local -a missing=()
    for i in "${!EBBFLOW_PIP_MODULES[@]}"; do
        if [ "$#" -gt 0 ] && [[ " $* " != *" ${EBBFLOW_PIP_MODULES[$i]} "* ]]; then continue; fi
        "$EBBFLOW_VENV/bin/python" -c "import ${EBBFLOW_PIP_MODULES[$i]}" >/dev/null 2>&1 ||
            missing+=("${EBBFLOW_PIP_REQUIREMENTS[$i]}")
    done
    [ "${#missing[@]}" = 0 ] && return 0
    ebbflow_log "installing from PyPI into $EBBFLOW_VENV: ${missing[*]}"
    "$EBBFLOW_VENV/bin/python" -m pip install -q --disable-pip-version-check "${missing[@]}" >&2 ||
        ebbflow_die "pip install ${missing[*]} failed"
}

# Sets EBBFLOW_SMTP_SINK to a command that runs Postfix's `smtp-sink` (a fast SMTP server that
# accepts and discards, for the delivery benchmark): one on PATH, else one extracted earlier
# into .ebbflow/tools/postfix, else, where apt-get works, taken out of Debian's `postfix`
# package without installing it (installing would configure and start a mail service), with
# the Postfix libraries beside it. Returns 1, leaving it empty, when none can be had.
ebbflow_find_smtp_sink() {
    EBBFLOW_SMTP_SINK=
    local tools=$EBBFLOW_ROOT/.ebbflow/tools/postfix
    if command -v smtp-sink >/dev/null 2>&1; then
        EBBFLOW_SMTP_SINK=$(command -v smtp-sink)
        return 0
    fi
    if [ ! -x "$tools/usr/sbin/smtp-sink" ]; then
        command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 || return 1
        local work
        work=$(mktemp -d)
        if ! (cd "$work" && apt-get download -q postfix >/dev/null 2>&1); then
            if ebbflow_is_root; then apt-get update -q >&2 || true; fi
            (cd "$work" && apt-get download -q postfix >/dev/null 2>&1) || {
                rm -rf "$work"
                return 1
            }
        fi
        rm -rf "$tools"
        mkdir -p "$tools"
        dpkg-deb -x "$work"/postfix_*.deb "$tools" || true
        rm -rf "$work"
        [ -x "$tools/usr/sbin/smtp-sink" ] || return 1
    fi
    # The binary looks for its libraries in /usr/lib/postfix (its RUNPATH); the wrapper points
    # the loader at the extracted copy.
    cat >"$tools/smtp-sink" <<WRAPPER
#!/bin/sh
LD_LIBRARY_PATH="$tools/usr/lib/postfix\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$tools/usr/sbin/smtp-sink" "\$@"
WRAPPER
    chmod +x "$tools/smtp-sink"
    EBBFLOW_SMTP_SINK=$tools/smtp-sink
}
