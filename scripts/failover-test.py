"""The failover test's driver: ebbflow's workers and serve through a primary's crash and a standby's promotion.

    python3 scripts/failover-test.py --ebbflow BIN --pair scripts/pg-pair --out DIR

Run by scripts/failover-test, which makes the pair (scripts/pg-pair) first. Against the pair's
multi-host URL (target_session_attrs=read-write) it migrates, starts 3 `ebbflow worker` and one
`ebbflow serve`, starts a flow over 1,000 contacts (a send every 3 s, 5 sends each), streams
`track` events over HTTP (POST /v1/batch with an ingest key, each with a messageId; a request
that failed is sent again with the same ids) and enqueues 20,000 `counter` jobs. Once
--failover-at counters are done it stops the primary with `pg_ctl stop -m immediate` and
promotes the standby (`scripts/pg-pair crash-primary`, `promote`), and times the drain of the
counter jobs from the promotion (the recovery time). Then it checks:
  - every counter job's effect exactly once (the counter is 20,000) and each job finished once;
  - every event answered 2xx stored once (by its messageId) and applied;
  - no send decided twice (one per contact, flow and step);
  - no process exited by itself (nothing was restarted), and each exits 0 on SIGTERM.
Writes DIR/summary.json and the processes' logs; exits 1 when a check fails.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

JOBS = 20_000
WORKERS = 3
FLOW_CONTACTS = 1_000
EVENT_CONTACTS = 500
EVENTS_PER_REQUEST = 20
SCHEMA = "ebbflow"


def log(message):
    print(f"failover-test: {message}", file=sys.stderr, flush=True)


class Driver:
    def __init__(self, args):
        self.args = args
        self.url = subprocess.run([args.pair, "url"], check=True, capture_output=True, text=True).stdout.strip()
        self.env = dict(os.environ, DATABASE_URL=self.url, EBBFLOW_SCHEMA=SCHEMA, PGCONNECT_TIMEOUT="2")
        for name in ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGTARGETSESSIONATTRS"):
            self.env.pop(name, None)
        self.out = args.out
        self.processes = {}
        self.acknowledged = []
        self.acknowledged_after_promotion = 0
        self.unanswered = []
        self.event_failures = {}
        self.promoted_at_monotonic = None
        self.stop_events = threading.Event()
        self.failures = []
        self.figures = {}

    # --- helpers ---------------------------------------------------------------------------

    def ebbflow(self, *arguments, stdin=None):
        done = subprocess.run(
            [self.args.ebbflow, *arguments], env=self.env, input=stdin, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise SystemExit(f"ebbflow {' '.join(arguments)} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def sql(self, query, attempts=1):
        """One value (or rows joined by newlines) from the database the URL reaches now."""
        for attempt in range(attempts):
            done = subprocess.run(
                [self.args.psql, self.url, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", query],
                env=self.env, capture_output=True, text=True, timeout=30,
            )
            if done.returncode == 0:
                return done.stdout.strip()
            if attempt + 1 < attempts:
                time.sleep(0.1)
        raise RuntimeError(f"psql failed: {done.stderr.strip()}")

    def check(self, ok, what):
        log(("ok: " if ok else "FAILED: ") + what)
        if not ok:
            self.failures.append(what)

    def start(self, name, arguments):
        logfile = open(os.path.join(self.out, f"{name}.log"), "w")
        self.processes[name] = subprocess.Popen(
            [self.args.ebbflow, *arguments], env=self.env, stdout=logfile, stderr=subprocess.STDOUT
        )

    # --- the run ----------------------------------------------------------------------------

    def setup(self):
        log(f"migrating {self.url}")
        self.ebbflow("migrate")
        policy = {"default": {"frequency_cap": {"sends": 100, "per_days": 1}, "inactive_after_sends": 100}}
        self.ebbflow("policy", "set", "-", stdin=json.dumps(policy))
        lines = ["external_id,email,segment"]
        lines += [f"f-{i},f-{i}@example.com,failover_flow" for i in range(FLOW_CONTACTS)]
        lines += [f"e-{i},e-{i}@example.com,failover_events" for i in range(EVENT_CONTACTS)]
        path = os.path.join(self.out, "contacts.csv")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.ebbflow("contacts", "import", path)
        self.key = self.ebbflow("keys", "create", "failover", "--scope", "ingest", "--rate-limit", "100000").strip().splitlines()[-1]

    def start_processes(self):
        for i in range(WORKERS):
            self.start(f"worker{i + 1}", ["worker", "--id", f"failover-{i + 1}", "--concurrency", "10"])
        self.start("serve", ["serve", "--port", str(self.args.http_port)])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.args.http_port}/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise SystemExit("ebbflow serve did not become ready within 60 s (see serve.log)")

    def stream_events(self):
        """Posts batches of track events until told to stop; a failed one is sent again, same ids."""
        number = 0
        while not self.stop_events.is_set():
            ids = [f"fo-{number + i}" for i in range(EVENTS_PER_REQUEST)]
            batch = [
                {"type": "track", "userId": f"e-{(number + i) % EVENT_CONTACTS}", "event": "click", "messageId": mid}
                for i, mid in enumerate(ids)
            ]
            number += EVENTS_PER_REQUEST
            body = json.dumps({"batch": batch}).encode()
            deadline = time.monotonic() + 90
            while True:
                try:
                    request = urllib.request.Request(
                        f"http://127.0.0.1:{self.args.http_port}/v1/batch", data=body, method="POST",
                        headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
                    )
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        report = json.loads(answer.read())
                        if report.get("rejected"):
                            self.failures.append(f"events rejected: {report['rejected'][:3]}")
                        self.acknowledged += ids
                        if self.promoted_at_monotonic is not None:
                            self.acknowledged_after_promotion += len(ids)
                        break
                except urllib.error.HTTPError as error:
                    self.event_failures[str(error.code)] = self.event_failures.get(str(error.code), 0) + 1
                    if time.monotonic() > deadline:
                        self.unanswered += ids
                        break
                    time.sleep(0.2)
                except (urllib.error.URLError, OSError, ValueError) as error:
                    name = type(error).__name__
                    self.event_failures[name] = self.event_failures.get(name, 0) + 1
                    if time.monotonic() > deadline:
                        self.unanswered += ids
                        break
                    time.sleep(0.2)
            time.sleep(0.02)

    def run(self):
        self.setup()
        self.start_processes()
        events = threading.Thread(target=self.stream_events, daemon=True)
        events.start()
        self.ebbflow("flows", "start", "failover", "--segment", "failover_flow", "--template", "t1",
                     "--every", "3s", "--max-sends", "5")
        self.ebbflow("jobs", "enqueue", "counter", "--args", '{"name": "failover"}', "--count", str(JOBS))
        log(f"{JOBS} counter jobs enqueued; failing over once {self.args.failover_at} are done")
        counted = "0"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            counted = self.sql(f"SELECT coalesce((SELECT value FROM {SCHEMA}.counters WHERE name = 'failover'), 0)")
            if int(counted) >= self.args.failover_at:
                break
            time.sleep(0.05)
        self.figures["counted_at_crash"] = int(counted)
        if int(counted) >= JOBS:
            raise SystemExit("the jobs drained before the failover; lower --failover-at")
        subprocess.run([self.args.pair, "crash-primary"], check=True)
        crashed = time.monotonic()
        subprocess.run([self.args.pair, "promote"], check=True)
        promoted = time.monotonic()
        self.promoted_at_monotonic = promoted
        self.figures["promotion_seconds"] = round(promoted - crashed, 2)
        promoted_at = self.sql("SELECT now()", attempts=20)
        log(f"promoted; {counted} counters were done at the crash; timing the drain")
        left = None
        drained = None
        while time.monotonic() < promoted + 120:
            try:
                left = int(self.sql(f"SELECT count(*) FROM {SCHEMA}.jobs WHERE kind = 'counter'"))
            except RuntimeError:
                left = None
            if left == 0:
                drained = time.monotonic()
                break
            time.sleep(0.1)
        if drained is None:
            self.check(False, f"the counter jobs drained within 120 s of the promotion ({left} left)")
        else:
            self.figures["recovery_seconds"] = round(drained - promoted, 2)
            log(f"recovery: the counter jobs drained {drained - promoted:.2f} s after the promotion")
        time.sleep(2)  # events and sends go on after the drain for a while
        self.stop_events.set()
        events.join(timeout=120)
        self.verify(promoted_at)
        self.stop_all()

    # --- the checks -------------------------------------------------------------------------

    def verify(self, promoted_at):
        total = int(self.sql(f"SELECT coalesce((SELECT value FROM {SCHEMA}.counters WHERE name = 'failover'), 0)"))
        self.check(total == JOBS, f"the counter is {JOBS} (every job's effect exactly once): {total}")
        finished = self.sql(
            f"""SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || count(*) FILTER (WHERE state = 'completed')
                || ' ' || count(*) FILTER (WHERE attempt > 1)
                FROM {SCHEMA}.finished_jobs WHERE kind = 'counter'"""
        ).split()
        rows, distinct, completed, retried = (int(x) for x in finished)
        self.check(rows == JOBS and distinct == JOBS and completed == JOBS,
                   f"each counter job finished once, completed: {rows} rows, {distinct} jobs, {completed} completed")
        self.figures["counter_jobs_run_again"] = retried
        left = int(self.sql(f"SELECT count(*) FROM {SCHEMA}.jobs WHERE kind = 'counter'"))
        self.check(left == 0, f"no counter job left unfinished: {left}")

        acknowledged = self.acknowledged
        self.figures["events_acknowledged"] = len(acknowledged)
        self.figures["event_request_failures"] = self.event_failures
        self.figures["events_acknowledged_after_promotion"] = self.acknowledged_after_promotion
        self.check(self.acknowledged_after_promotion > 0,
                   f"events were acknowledged, also after the promotion: {len(acknowledged)}, "
                   f"{self.acknowledged_after_promotion} after; failed requests sent again: {self.event_failures or 'none'}")
        self.check(not self.unanswered, f"every event request was answered 2xx in the end: {len(self.unanswered)} not")
        stored = self.sql(
            f"""SELECT count(*) || ' ' || count(DISTINCT provider_event_id) || ' '
                || count(*) FILTER (WHERE applied_at IS NOT NULL AND rejection IS NULL AND points IS NOT NULL)
                FROM {SCHEMA}.engagement_events
                WHERE source = 'segment' AND provider_event_id = ANY (string_to_array('{",".join(acknowledged)}', ','))"""
        ).split()
        rows, distinct, applied = (int(x) for x in stored)
        self.check(rows == len(acknowledged) and distinct == len(acknowledged) and applied == len(acknowledged),
                   f"every acknowledged event stored once and applied: {rows} rows, {distinct} ids, {applied} applied "
                   f"of {len(acknowledged)}")

        sends = self.sql(
            f"""SELECT count(*) || ' ' || count(*) FILTER (WHERE at >= '{promoted_at}')
                || ' ' || (SELECT count(*) FROM (SELECT 1 FROM {SCHEMA}.sends WHERE flow = 'failover'
                           GROUP BY contact_id, flow, step HAVING count(*) > 1) twice)
                FROM {SCHEMA}.sends WHERE flow = 'failover'"""
        ).split()
        total_sends, after, twice = (int(x) for x in sends)
        self.figures["sends"] = total_sends
        self.figures["sends_after_promotion"] = after
        self.check(total_sends > 0, f"the flow decided sends: {total_sends} ({after} after the promotion)")
        self.check(twice == 0, f"no send decided twice (per contact, flow and step): {twice} twice")

        exited = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        self.check(not exited, f"every process carried on by itself (none exited or was restarted): {exited or 'none exited'}")

    def stop_all(self):
        started = time.monotonic()
        for p in self.processes.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        codes = {}
        for name, p in self.processes.items():
            try:
                codes[name] = p.wait(timeout=max(1, 90 - (time.monotonic() - started)))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                codes[name] = "still running 90 s after SIGTERM (killed)"
        self.figures["exit_after_sigterm_seconds"] = round(time.monotonic() - started, 2)
        self.check(all(code == 0 for code in codes.values()), f"every process exited 0 on SIGTERM: {codes}")

    def kill_all(self):
        for p in self.processes.values():
            if p.poll() is None:
                p.kill()
                p.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ebbflow", required=True)
    parser.add_argument("--pair", required=True)
    parser.add_argument("--psql", default="psql")
    parser.add_argument("--out", required=True)
    parser.add_argument("--http-port", type=int, default=55410)
    parser.add_argument("--failover-at", type=int, default=6_000)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    driver = Driver(args)
    try:
        driver.run()
    finally:
        driver.kill_all()
    summary = {"figures": driver.figures, "failures": driver.failures}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    log(f"figures: {json.dumps(driver.figures)}")
    if driver.failures:
        log(f"{len(driver.failures)} check(s) failed; logs in {args.out}")
        sys.exit(1)
    log("passed")


if __name__ == "__main__":
    main()
