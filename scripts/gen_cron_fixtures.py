#!/usr/bin/env python3
"""Generate Tests/EbbflowQueueTests/Fixtures/cron_fixtures.json from Python's croniter.

The fixture is the reference CronKit is checked against: a few hundred random
cron expressions (lists, ranges, steps, month/day names, macros), each run in
several time zones from start instants clustered around DST transitions, with
croniter's next 5 fire times as ISO 8601 strings carrying their UTC offset.

Usage (from the package root):
    pip install 'croniter==7.0.0'
    python3 scripts/gen_cron_fixtures.py

Output is deterministic for a given croniter version and tz database.
`@every` is not covered: croniter has no such macro (unit tests cover it).
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

from croniter import croniter, CroniterBadDateError

SEED = 20240310
EXPRESSION_COUNT = 300
FIRES_PER_RUN = 5
ZONES = ["UTC", "America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata"]
ZONES_PER_EXPRESSION = 3  # rotated so every zone gets ~60% of the expressions
DST_STARTS_PER_ZONE = 4  # DST_EXPRESSIONS get this many start instants in every zone
OUT = Path(__file__).resolve().parent.parent / "Tests" / "EbbflowQueueTests" / "Fixtures" / "cron_fixtures.json"

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

# Expressions that pin down DST behaviour; always included, in every zone.
DST_EXPRESSIONS = [
    "30 2 * * *", "0 2 * * *", "*/15 * * * *", "30 * * * *", "0 1-3 * * *",
    "15,45 2-3 * * *", "*/20 2 * * *", "0 3 * * *", "59 1 * * *", "30 1 * * *",
    "0 */2 * * *", "45 2 * * SUN", "0,30 0-4 * * *", "@hourly", "@daily",
]

rng = random.Random(SEED)


def cased(name):
    """Names are case-insensitive; exercise that."""
    return rng.choice([name, name.lower(), name.capitalize()])


def value(lo, hi, names=None):
    v = rng.randint(lo, hi)
    if names and v < len(names) + lo and rng.random() < 0.5:
        return cased(names[v - lo]), v
    return str(v), v


def ascending_pair(lo, hi):
    # Never an equal range "a-a": croniter deliberately expands "Jan-Jan" (and
    # so "5-5") to the WHOLE field, while cron and CronKit read it as just 5.
    # Never a wrap-around "b-a": croniter wraps, CronKit (like Vixie) rejects it.
    a, b = sorted(rng.sample(range(lo, hi + 1), 2))
    return a, b


def item(lo, hi, names=None, star_lo=None, star_hi=None):
    kind = rng.choices(["value", "range", "range_step", "star_step", "start_step"], [4, 3, 2, 2, 1])[0]
    if kind == "value":
        return value(lo, hi, names)[0]
    a, b = ascending_pair(lo, hi)
    fmt = (lambda v: cased(names[v - lo])) if names and rng.random() < 0.5 and b < len(names) + lo else str
    if kind == "range":
        return f"{fmt(a)}-{fmt(b)}"
    step = rng.randint(2, max(2, (hi - lo) // 2))
    if kind == "range_step":
        return f"{fmt(a)}-{fmt(b)}/{step}"
    if kind == "star_step":
        return f"*/{step}"
    return f"{fmt(a)}/{step}"


def field(lo, hi, names=None, star_weight=1.0):
    if rng.random() < star_weight:
        return "*"
    count = rng.choices([1, 2, 3], [6, 3, 1])[0]
    return ",".join(item(lo, hi, names) for _ in range(count))


def day_of_week_field():
    r = rng.random()
    if r < 0.55:
        return "*"
    if r < 0.65:
        # Sunday spelled 7, and ranges ending on Sunday (CronKit reads SUN/0 at
        # the end of a range as 7; croniter wraps to the same set of days).
        return rng.choice(["7", "5-7", "0-7", f"{cased('FRI')}-{cased('SUN')}", "1-7/2",
                           f"{cased('MON')}-{cased('FRI')}", f"{cased('SAT')},{cased('SUN')}"])
    return field(0, 6, DAYS, star_weight=0)


def random_expression():
    if rng.random() < 0.06:
        return rng.choice(["@hourly", "@daily", "@midnight", "@weekly", "@monthly",
                           "@yearly", "@annually", "@Daily", "@WEEKLY"])
    minute = field(0, 59, star_weight=0.08)
    hour = field(0, 23, star_weight=0.35)
    if hour != "*" and rng.random() < 0.3:
        hour += "," + rng.choice(["1", "2", "3", "1-3", "2-3"])  # the DST-sensitive hours
    dom = field(1, 31, star_weight=0.6)
    month = field(1, 12, MONTHS, star_weight=0.65)
    dow = day_of_week_field()
    return f"{minute} {hour} {dom} {month} {dow}"


def transitions(zone, years=(2024, 2025)):
    """UTC instants where the zone's offset changes, found by hourly scan then bisection."""
    tz = ZoneInfo(zone)
    found = []
    t = datetime(years[0], 1, 1, tzinfo=timezone.utc)
    end = datetime(years[-1] + 1, 1, 1, tzinfo=timezone.utc)
    while t < end:
        u = t + timedelta(hours=1)
        if t.astimezone(tz).utcoffset() != u.astimezone(tz).utcoffset():
            lo, hi = t, u
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == t.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi.replace(microsecond=0))
        t = u
    return found


def start_pool(zone):
    tz = ZoneInfo(zone)
    dst = []
    for switch in transitions(zone):
        local_midnight = switch.astimezone(tz).replace(hour=0, minute=0, second=0)
        dst += [
            local_midnight.astimezone(timezone.utc),
            switch - timedelta(hours=3),
            switch - timedelta(minutes=1),
            switch + timedelta(minutes=30),  # after a fall-back: inside the repeated hour
            switch - timedelta(days=1, minutes=7),
        ]
    special = [
        datetime(2024, 2, 28, 12, 0, tzinfo=tz), datetime(2023, 2, 28, 23, 59, 30, tzinfo=tz),
        datetime(2024, 4, 30, 23, 59, tzinfo=tz), datetime(2024, 12, 31, 23, 59, 59, tzinfo=tz),
        datetime(2025, 1, 31, 0, 0, tzinfo=tz), datetime(2024, 6, 15, 10, 30, tzinfo=tz),
    ]
    return dst, [s.astimezone(timezone.utc) for s in special]


def random_start(zone, pools):
    dst, special = pools[zone]
    r = rng.random()
    if dst and r < 0.6:
        return rng.choice(dst)
    if r < 0.8:
        return rng.choice(special)
    return datetime(2023, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(4 * 365 * 86400))


def iso(instant, tz):
    return instant.astimezone(timezone.utc).astimezone(tz).isoformat()


def restricts_hour(expr):
    return croniter.expand(expr)[0][1] != ["*"]


def is_fixed_time(expr):
    """A fixed-time job in Vixie cron's sense: neither the minute nor the hour field starts
    with '*' (a wildcard or a step such as '*/30'), and the hour is restricted. Only these
    run once in a repeated fall-back hour; wildcard jobs run in both passes (Vixie cron,
    cronsim, croniter, and CronKit)."""
    if expr.startswith("@"):
        return expr.lower() not in ("@hourly",) and restricts_hour(expr)
    minute, hour = expr.split()[:2]
    return not minute.startswith("*") and not hour.startswith("*") and restricts_hour(expr)


def croniter_collapses_day_field(expr):
    """True when croniter would AND the day fields where Vixie cron ORs them.

    croniter rewrites a day field that lists every value (e.g. day-of-week
    '0-6') to '*' when the OTHER day field's text contains a '*' anywhere, so
    '0 0 2-19,*/7 * 0-6' becomes "days 2-19 and every 7th" (AND). Vixie cron
    and CronKit only look at the first character: neither field starts with
    '*', so the fields are OR-ed and every day matches. Such expressions are
    not generated.
    """
    if expr.startswith("@"):
        return False
    _, _, dom, _, dow = expr.split()
    expanded = croniter.expand(expr)[0]
    full_dom = len(expanded[2]) == 31 or expanded[2] == ["*"]
    full_dow = len(expanded[4]) == 7 or expanded[4] == ["*"]
    return ("*" in dom[1:] and not dom.startswith("*") and full_dow and not dow.startswith("*")) or \
           ("*" in dow[1:] and not dow.startswith("*") and full_dom and not dom.startswith("*"))


def is_second_pass(instant, tz):
    local = instant.astimezone(timezone.utc).astimezone(tz)
    ambiguous = local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()
    return ambiguous and local.fold == 1


def run(expr, zone, start):
    """croniter's next fire times, or None when the case is left out (see below)."""
    tz = ZoneInfo(zone)
    # implement_cron_bug=True gives Vixie's day rule: day-of-month and
    # day-of-week are OR-ed only when NEITHER field starts with '*'
    # (croniter's default also ORs e.g. '*/2' with 'MON').
    it = croniter(expr, start.astimezone(tz), ret_type=datetime, implement_cron_bug=True)
    fires = [it.get_next() for _ in range(FIRES_PER_RUN)]
    # Deliberate difference: on a fall-back day croniter runs a fixed-time job
    # (e.g. '30 1 * * *', '0,30 1 * * *') in BOTH passes of the repeated hour
    # (01:30 EDT and 01:30 EST). Vixie cron and cronsim run it once, at the first
    # occurrence, and so does CronKit. A wildcard job ('*/30 1 * * 0': minute or
    # hour starting with '*') runs in both passes everywhere, croniter included,
    # so its runs are kept. Cases where croniter returned a second-pass wall time
    # for a fixed-time schedule are dropped here (and counted in the header).
    if is_fixed_time(expr) and any(is_second_pass(f, tz) for f in fires):
        return None
    return [iso(f, tz) for f in fires]


def main():
    pools = {zone: start_pool(zone) for zone in ZONES}
    expressions = list(DST_EXPRESSIONS)
    seen = set(expressions)
    skipped = 0
    while len(expressions) < EXPRESSION_COUNT:
        expr = random_expression()
        if expr in seen:
            continue
        if croniter_collapses_day_field(expr):
            skipped += 1
            seen.add(expr)
            continue
        try:
            croniter(expr, datetime(2024, 1, 1, tzinfo=timezone.utc), implement_cron_bug=True).get_next()
        except CroniterBadDateError:
            continue  # never fires (e.g. day 31 in FEB,APR only); unit tests cover that
        seen.add(expr)
        expressions.append(expr)

    cases, dropped, runs = [], 0, 0
    for index, expr in enumerate(expressions):
        if index < len(DST_EXPRESSIONS):
            zones = [zone for zone in ZONES for _ in range(DST_STARTS_PER_ZONE)]
        else:
            zones = [ZONES[(index + k) % len(ZONES)] for k in range(ZONES_PER_EXPRESSION)]
        case_runs = []
        for zone in zones:
            start = random_start(zone, pools)
            fires = run(expr, zone, start)
            if fires is None:
                dropped += 1
                continue
            case_runs.append({"tz": zone, "from": iso(start, ZoneInfo(zone)), "next": fires})
        runs += len(case_runs)
        cases.append({"expr": expr, "runs": case_runs})

    header = {
        "generator": "scripts/gen_cron_fixtures.py",
        "croniter": version("croniter"),
        "seed": SEED,
        "expressions": len(cases),
        "runs": runs,
        "droppedSecondPassRuns": dropped,
        "skippedDayCollapseExpressions": skipped,
    }
    lines = ",\n".join(json.dumps(c, separators=(",", ":")) for c in cases)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text('{"header":' + json.dumps(header) + ',\n"cases":[\n' + lines + "\n]}\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {len(cases)} expressions, {runs} runs, "
          f"{dropped} runs dropped (fixed-time second pass), {skipped} expressions skipped "
          f"(croniter day-field collapse)", file=sys.stderr)


if __name__ == "__main__":
    main()
