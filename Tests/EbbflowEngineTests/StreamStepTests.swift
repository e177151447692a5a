// Streams running: sends and waits as jobs, an exit event cutting a journey short, a locked journey run to its end.
import EbbflowCore
import EbbflowEngine
import EbbflowQueue
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct StreamStepTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let streams = """
        streams:
          - name: welcome
            entry: {event: signup}
            steps: [{send: welcome_1}, {wait: 3d}, {send: welcome_2}, {wait: 4d}, {send: welcome_3}, {wait: 7d}, {end: true}]
            exits: [purchase]
          - {name: post_purchase, entry: {event: purchase}, steps: [{send: thanks}]}
          - {name: promotion, entry: {event: page_visit}, steps: [{send: promo_1}, {wait: 2d}, {send: promo_2}]}
          - {name: post_return, mode: locked, entry: {event: product_return}, steps: [{send: sorry}, {wait: 7d}, {send: follow_up}]}
        """

    /// Runs `body` with a contact, the streams, and helpers to send an event or move to a day and drain.
    func scenario(
        streams: String = Self.streams, contacts: [String] = ["cam", "dee"],
        _ body: (
            PGConnection, SchemaName, _ event: (String, String) async throws -> Void,
            _ day: (Double) async throws -> Void
        ) async throws -> Void
    ) async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            try await connection.withTransaction { connection in
                try DatabaseClock(schema: schema).set(Self.start, on: connection)
                try PolicyStore(schema: schema).save(Data(StreamMembershipTests.policy.utf8), on: connection)
                _ = try StreamStore(schema: schema).apply(Data(streams.utf8), on: connection)
                for name in contacts {
                    try store.upsertContact(
                        externalID: name, email: "\(name)@example.com", segment: "retail", now: Self.start,
                        on: connection)
                }
                for name in ["inactivity_sweep", "decay_scores", "audience_snapshot", "apply_pending_events"] {
                    try ScheduleStore(schema: schema).setEnabled(name, false, on: connection)
                }
            }
            var registry = JobRegistry.builtins()
            registry.registerEngine(schema: schema)
            var count = 0
            try await body(
                connection, schema,
                { contact, kind in
                    count += 1
                    let index = count
                    try await connection.withTransaction { connection in
                        let now = try store.now(on: connection)
                        let policies = try PolicyStore(schema: schema).load(on: connection)
                        guard
                            case .stored(let id) = try store.record(
                                IncomingEvent(externalID: contact, kind: kind, providerEventID: "e\(index)"), now: now,
                                on: connection)
                        else { return }
                        _ = try EventApplier(schema: schema).apply(
                            eventID: id, policies: policies, now: now, on: connection)
                    }
                },
                { day in
                    try await connection.run {
                        try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(day * 86_400), on: $0)
                    }
                    try await QueueWorker(
                        database: try TestDatabase.configuration, schema: schema, registry: registry,
                        configuration: WorkerConfiguration(queues: ["default", "sweeps"], listen: false, drain: true),
                        logger: QuietLogger.logger
                    ).run()
                })
        }
    }

    /// Applies events of `kinds` for `contact` in one transaction at `at` that first holds the
    /// contact's row lock, as an event's application does, while `drain` runs: the step due
    /// then is claimed and waits for the lock, and sees the events' effects once it gets it.
    func applyWhileAStepWaits(
        _ schema: SchemaName, contact: String, kinds: [String], at: Date, drain: () async throws -> Void
    ) async throws {
        let started = StepSignal()
        let holder = try await TestDatabase.connect()
        let batch = Task {
            try await holder.withTransaction { connection in
                try connection.execute(
                    "SELECT id FROM \(schema.qualified("contacts")) WHERE external_id = $1 FOR UPDATE", [contact])
                await started.fire()
                try await Task.sleep(for: .milliseconds(800))
                let store = EventStore(schema: schema), policies = try PolicyStore(schema: schema).load(on: connection)
                for (index, kind) in kinds.enumerated() {
                    let incoming = IncomingEvent(externalID: contact, kind: kind, providerEventID: "held-\(index)")
                    guard case .stored(let id) = try store.record(incoming, now: at, on: connection) else { return }
                    _ = try EventApplier(schema: schema).apply(eventID: id, policies: policies, now: at, on: connection)
                }
            }
        }
        await started.wait()
        try await drain()
        try await batch.value
    }

    func sends(_ connection: PGConnection, _ schema: SchemaName) async throws -> [String] {
        try await connection.query("SELECT template, at FROM \(schema.quoted).sends ORDER BY at, id").rows.map {
            let days = (try $0.decode("at", as: Date.self)).timeIntervalSince(Self.start) / 86_400
            return "\(try $0.decode("template", as: String.self))@\(Int(days))"
        }
    }

    /// A due step is a decision point: `vip` is a standing stream (no entry event; it admits
    /// engaged contacts, with a manual priority). cam, in the open `promotion`, becomes engaged
    /// on day 1; at promotion's day-2 step the arbiter moves it to `vip`, so no promo_2. dee, in
    /// the locked `post_return`, stays for its follow-up. eve, in no stream, enters `vip` at the
    /// event that makes it engaged; its earlier click, which admits it nowhere, logs nothing.
    @Test func dueStepsAndEventsPlaceContactsInStandingStreams() async throws {
        let streams = """
            streams:
              - {name: promotion, entry: {event: page_visit}, steps: [{send: promo_1}, {wait: 2d}, {send: promo_2}]}
              - {name: vip, priority: 5, entry: {statuses: [engaged]}, steps: [{send: vip_welcome}, {wait: 30d}, {end: true}]}
              - {name: post_return, mode: locked, entry: {event: product_return}, steps: [{send: sorry}, {wait: 2d}, {send: follow_up}]}
            """
        try await scenario(streams: streams, contacts: ["cam", "dee", "eve"]) { connection, schema, event, day in
            try await event("cam", "page_visit")
            try await event("dee", "product_return")
            try await day(0)
            try await connection.run {
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(86_400), on: $0)
            }
            for contact in ["cam", "dee", "eve"] {
                try await event(contact, "click")
                try await event(contact, "high_intent_visit")
            }
            try await day(1)
            try await day(2)
            func sent(_ contact: String) async throws -> [String] {
                try await connection.query(
                    """
                    SELECT x.template, x.at FROM \(schema.quoted).sends x JOIN \(schema.quoted).contacts c ON c.id = x.contact_id
                    WHERE c.external_id = $1 ORDER BY x.at, x.id
                    """, [contact]
                ).rows.map {
                    "\(try $0.decode("template", as: String.self))@\(Int((try $0.decode("at", as: Date.self)).timeIntervalSince(Self.start) / 86_400))"
                }
            }
            #expect(try await sent("cam") == ["promo_1@0", "vip_welcome@2"])
            #expect(try await sent("dee") == ["sorry@0", "follow_up@2"], "a locked stream holds at its due steps")
            #expect(try await sent("eve") == ["vip_welcome@1"])
            let membership = StreamMembershipTests()
            #expect(
                try await membership.decisions(connection, schema, "cam") == [
                    "event:page_visit -→promotion sampled_estimate", "step:promotion promotion→vip manual_priority",
                ])
            #expect(
                try await membership.decisions(connection, schema, "eve") == [
                    "event:high_intent_visit -→vip manual_priority"
                ])
            let dee = try await membership.decisions(connection, schema, "dee")
            #expect(
                dee == [
                    "event:product_return -→post_return locked_entry", "end:post_return post_return→- stream_ended",
                ])
        }
    }

    /// A due step does not re-draw between streams of equal standing: eight contacts placed in
    /// `promotion` or the standing `nurture` (no priorities, so the entry is a draw) stay where
    /// they were placed and get both of its sends, with one decision each. cam becomes engaged:
    /// its stream no longer admits it, and at its next step it moves to `club`, which does.
    @Test func dueStepsMoveOnlyWhenEligibilityChanged() async throws {
        let streams = """
            streams:
              - {name: promotion, entry: {event: page_visit, statuses: [active]}, steps: [{send: promotion_1}, {wait: 2d}, {send: promotion_2}]}
              - {name: nurture, entry: {statuses: [active]}, steps: [{send: nurture_1}, {wait: 2d}, {send: nurture_2}]}
              - {name: club, entry: {statuses: [engaged]}, steps: [{send: club_1}]}
            """
        let contacts = ["cam"] + (1...7).map { "c\($0)" }
        try await scenario(streams: streams, contacts: contacts) { connection, schema, event, day in
            for contact in contacts { try await event(contact, "page_visit") }
            try await day(0)
            try await connection.run {
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(86_400), on: $0)
            }
            try await event("cam", "click")
            try await event("cam", "high_intent_visit")
            for step in [1.0, 2] { try await day(step) }
            let membership = StreamMembershipTests()
            for contact in contacts.dropFirst() {
                let sent = try await connection.query(
                    """
                    SELECT x.template FROM \(schema.quoted).sends x JOIN \(schema.quoted).contacts c ON c.id = x.contact_id
                    WHERE c.external_id = $1 ORDER BY x.at, x.id
                    """, [contact]
                ).rows.map { try $0.decode("template", as: String.self) }
                #expect(
                    sent == ["promotion_1", "promotion_2"] || sent == ["nurture_1", "nurture_2"], "\(contact): \(sent)")
                let decisions = try await membership.decisions(connection, schema, contact)
                #expect(decisions.filter { !$0.hasPrefix("end:") }.count == 1, "\(contact): \(decisions)")
            }
            let cam = try await membership.decisions(connection, schema, "cam")
            #expect(cam.count >= 2 && cam[1].hasPrefix("step:") && cam[1].contains("→club"), "\(cam)")
        }
    }

    /// An exit from a standing stream holds for its `reentry_after`: cam leaves `nurture` by a
    /// purchase on day 1; an open on day 2 does not put it back (nothing is logged either); an
    /// open on day 12, past the 10 days, does.
    @Test func standingStreamTakesAContactBackOnlyAfterItsReentryDelay() async throws {
        let streams = """
            {name: nurture, entry: {statuses: [active], reentry_after: 10d}, steps: [{send: nurture_1}, {wait: 30d}, {send: nurture_2}], exits: [purchase]}
            """
        try await scenario(streams: streams, contacts: ["cam"]) { connection, schema, event, day in
            try await event("cam", "open")
            try await day(0)
            for (at, kind) in [(1.0, "purchase"), (2, "open"), (12, "open")] {
                try await connection.run {
                    try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(at * 86_400), on: $0)
                }
                try await event("cam", kind)
                try await day(at)
            }
            #expect(try await sends(connection, schema) == ["nurture_1@0", "nurture_1@12"])
            let decisions = try await StreamMembershipTests().decisions(connection, schema, "cam")
            #expect(
                decisions == [
                    "event:open -→nurture sampled_estimate", "exit:purchase nurture→- no_eligible_stream",
                    "event:open -→nurture sampled_estimate",
                ], "the day-2 open is not a decision")
        }
    }

    /// An edited stream: a contact mid-journey finishes the steps of the version it entered
    /// (the edit reorders and shortens them), a contact entering after the edit gets the new
    /// version, and each membership says which version it follows.
    @Test func membersFinishTheVersionTheyEntered() async throws {
        let first =
            "{name: welcome, entry: {event: signup}, steps: [{send: w1}, {wait: 3d}, {send: w2}, {wait: 3d}, {send: w3}]}"
        let second = "{name: welcome, entry: {event: signup}, steps: [{send: new_1}, {wait: 1d}, {send: new_2}]}"
        try await scenario(streams: first, contacts: ["cam", "dee"]) { connection, schema, event, day in
            try await event("cam", "signup")
            try await day(0)
            let outcome = try await connection.run { try StreamStore(schema: schema).apply(Data(second.utf8), on: $0) }
            #expect(outcome.map(\.outcome) == [.updated(version: 2)])
            try await connection.run {
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(86_400), on: $0)
            }
            try await event("dee", "signup")
            let versions = try await connection.query(
                """
                SELECT c.external_id, m.version FROM \(schema.quoted).stream_memberships m JOIN \(schema.quoted).contacts c ON c.id = m.contact_id ORDER BY 1
                """
            ).rows.map { "\(try $0.decode("external_id", as: String.self)):\(try $0.decode("version", as: Int.self))" }
            #expect(versions == ["cam:1", "dee:2"])
            for step in [1.0, 2, 3, 6] { try await day(step) }
            #expect(try await sends(connection, schema) == ["w1@0", "new_1@1", "new_2@2", "w2@3", "w3@6"])
            let kept = try await MigratedSchema.count(
                connection, "SELECT 1 FROM \(schema.quoted).stream_versions WHERE stream = 'welcome'")
            #expect(kept == 2)
        }
    }

    /// Two decision points of one contact in one import batch: a purchase ends `welcome` (an
    /// exit) and a signup enters it again. The re-entry starts welcome over: the old
    /// membership's pending step is cancelled and welcome_1 goes again, not the old welcome_2.
    @Test func reentryWithinOneBatchStartsTheStreamAgain() async throws {
        let streams =
            "{name: welcome, entry: {event: signup}, steps: [{send: welcome_1}, {wait: 3d}, {send: welcome_2}], exits: [purchase]}"
        try await scenario(streams: streams, contacts: ["cam"]) { connection, schema, event, day in
            try await event("cam", "signup")
            try await day(0)
            try await connection.run {
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(86_400), on: $0)
            }
            let lines = [
                #"{"external_id": "cam", "kind": "purchase", "provider_event_id": "b1"}"#,
                #"{"external_id": "cam", "kind": "signup", "provider_event_id": "b2"}"#,
            ].joined(separator: "\n")
            let report = try await EventImporter(schema: schema).importEvents(lines, format: .ndjson, on: connection)
            #expect(report.applied == 2)
            for step in [1.0, 3, 4] { try await day(step) }
            #expect(try await sends(connection, schema) == ["welcome_1@0", "welcome_1@1", "welcome_2@4"])
            let decisions = try await StreamMembershipTests().decisions(connection, schema, "cam")
            #expect(
                decisions == [
                    "event:signup -→welcome sampled_estimate", "exit:purchase welcome→- no_eligible_stream",
                    "event:signup -→welcome sampled_estimate", "end:welcome welcome→- stream_ended",
                ])
        }
    }

    /// Issue 7's first case: an open `welcome` and a purchase on day 3. The contact leaves
    /// `welcome` in the purchase's transaction, enters the post-purchase stream, and gets no
    /// welcome send after day 3 (the day-3 step was due but the purchase came first).
    @Test func purchaseEndsWelcomeAndStartsPostPurchase() async throws {
        try await scenario { connection, schema, event, day in
            try await event("cam", "signup")
            try await day(0)
            #expect(try await sends(connection, schema) == ["welcome_1@0"])
            try await connection.run {
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(3 * 86_400), on: $0)
            }
            try await event("cam", "purchase")
            for step in [3.0, 7, 14, 21] { try await day(step) }
            #expect(try await sends(connection, schema) == ["welcome_1@0", "thanks@3"])
            let why: String = try await connection.query(
                "SELECT errors->-1->>'message' AS m FROM \(schema.quoted).finished_jobs WHERE state = 'cancelled' AND kind = 'stream_step'"
            ).first!.decode("m")
            #expect(why == "contact left the stream")
            let left = try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).stream_memberships")
            #expect(left == 0, "post_purchase ran to its end")
            let reasons = try await connection.query("SELECT reason FROM \(schema.quoted).stream_decisions ORDER BY id")
                .rows.map { try $0.decode("reason", as: String.self) }
            #expect(reasons == ["sampled_estimate", "sampled_estimate", "stream_ended"])
        }
    }

    /// A step that waited for the contact lock while a purchase (an exit) was being applied must
    /// see the exit once it gets the lock: no welcome send after the purchase commits.
    @Test func stepWaitingOnTheExitsLockSeesTheExit() async throws {
        try await scenario { connection, schema, event, day in
            try await event("cam", "signup")
            try await day(0)
            let third = Self.start.addingTimeInterval(3 * 86_400)
            try await connection.run { try DatabaseClock(schema: schema).set(third, on: $0) }
            try await applyWhileAStepWaits(schema, contact: "cam", kinds: ["purchase"], at: third) { try await day(3) }
            try await day(4)
            let got = try await sends(connection, schema)
            #expect(got == ["welcome_1@0", "thanks@3"], "\(got)")
        }
    }

    /// A step claimed while its contact's lock is held by a batch that ends the stream and
    /// enters it again (a purchase, then a signup) must not run the old entry's step beside the
    /// new entry's: welcome_2 of the first entry never goes; the new entry sends welcome_1 and,
    /// three days later, its own welcome_2.
    @Test func stepOfAnEarlierEntryStopsAfterAReentry() async throws {
        let streams =
            "{name: welcome, entry: {event: signup}, steps: [{send: welcome_1}, {wait: 3d}, {send: welcome_2}], exits: [purchase]}"
        try await scenario(streams: streams, contacts: ["cam"]) { connection, schema, event, day in
            try await event("cam", "signup")
            try await day(0)
            let third = Self.start.addingTimeInterval(3 * 86_400)
            try await connection.run { try DatabaseClock(schema: schema).set(third, on: $0) }
            try await applyWhileAStepWaits(schema, contact: "cam", kinds: ["purchase", "signup"], at: third) {
                try await day(3)
            }
            for step in [3.0, 6] { try await day(step) }
            let got = try await sends(connection, schema)
            #expect(got == ["welcome_1@0", "welcome_1@3", "welcome_2@6"], "\(got)")
        }
    }

    /// A product return takes the contact out of a promotion into the locked post-return
    /// stream at once; a page visit during it moves nothing; the promotion's pending send never goes.
    @Test func lockedPostReturnRunsToItsEnd() async throws {
        try await scenario { connection, schema, event, day in
            try await event("cam", "page_visit")
            try await day(0)
            try await connection.run {
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(86_400), on: $0)
            }
            try await event("cam", "product_return")
            try await day(1)
            try await connection.run {
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(2 * 86_400), on: $0)
            }
            try await event("cam", "page_visit")
            for step in [2.0, 5, 8, 9] { try await day(step) }
            #expect(try await sends(connection, schema) == ["promo_1@0", "sorry@1", "follow_up@8"])
            let trail = try await connection.query(
                "SELECT coalesce(chosen, '-') AS c, reason FROM \(schema.quoted).stream_decisions ORDER BY id"
            ).rows
                .map { "\(try $0.decode("c", as: String.self)) \(try $0.decode("reason", as: String.self))" }
            #expect(
                trail == [
                    "promotion sampled_estimate", "post_return locked_entry", "post_return locked", "- stream_ended",
                ])
        }
    }

    /// Goal events teach the estimates: a purchase within the window after a stream's send
    /// credits that send once; a later purchase, or one outside the window, does not.
    @Test func goalEventsCreditTheSendsTheyFollow() async throws {
        let streams = """
            streams:
              - {name: promotion, entry: {event: page_visit}, steps: [{send: promo_1}, {wait: 30d}, {send: promo_2}],
                 goal: {event: purchase, within: 7d}}
            """
        try await scenario(streams: streams) { connection, schema, event, day in
            try await event("cam", "page_visit")
            try await event("dee", "page_visit")
            try await day(0)
            try await connection.run {
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(86_400), on: $0)
            }
            try await event("cam", "purchase")
            try await event("cam", "purchase")
            try await connection.run {
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(9 * 86_400), on: $0)
            }
            try await event("dee", "purchase")
            let row = try #require(
                try await connection.query(
                    "SELECT sends, goals FROM \(schema.quoted).stream_outcomes WHERE stream = 'promotion' AND segment = 'retail' AND status = 'active'"
                ).first)
            #expect(try row.decode("sends", as: Int.self) == 2)
            #expect(
                try row.decode("goals", as: Int.self) == 1,
                "cam's send credited once; dee bought after the 7-day window")
        }
    }

    /// A link scanner's click is no one's goal (nor is a machine open): only the person's click credits its send.
    @Test func robotsReachNoGoal() async throws {
        let streams = """
            streams:
              - {name: promotion, entry: {event: page_visit}, steps: [{send: promo_1}, {wait: 30d}, {send: promo_2}],
                 goal: {event: click, within: 7d}}
            """
        try await scenario(streams: streams) { connection, schema, event, day in
            try await event("cam", "page_visit")
            try await event("dee", "page_visit")
            try await day(0)
            try await connection.run {
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(86_400), on: $0)
            }
            try await connection.withTransaction { connection in
                let store = EventStore(schema: schema)
                let now = try store.now(on: connection)
                var scanner = IncomingEvent(externalID: "cam", kind: "click", providerEventID: "scan-1")
                scanner.bot = true
                let ids = try store.record([scanner], now: now, on: connection).map(\.id)
                let policies = try PolicyStore(schema: schema).load(on: connection)
                _ = try EventApplier(schema: schema).apply(eventIDs: ids, policies: policies, now: now, on: connection)
            }
            try await event("dee", "click")
            let goals: Int = try await connection.query(
                "SELECT coalesce(sum(goals), 0)::int8 AS goals FROM \(schema.quoted).stream_outcomes WHERE stream = 'promotion'"
            ).first!.decode("goals")
            #expect(goals == 1, "dee's click credited; the scanner's click for cam did not")
        }
    }

    /// Nor does a robot start or end a journey: a scanner's click does not enter `clicked`
    /// (entered on click), and a machine open does not end `promotion` (which exits on open).
    @Test func robotsEnterAndExitNoStream() async throws {
        let streams = """
            streams:
              - {name: promotion, entry: {event: page_visit}, steps: [{send: promo_1}, {wait: 30d}, {send: promo_2}], exits: [open]}
              - {name: clicked, entry: {event: click}, steps: [{send: thanks}, {wait: 30d}, {end: true}]}
            """
        try await scenario(streams: streams) { connection, schema, event, day in
            try await event("cam", "page_visit")
            try await day(0)
            try await connection.withTransaction { connection in
                let store = EventStore(schema: schema)
                let now = try store.now(on: connection)
                var scanner = IncomingEvent(externalID: "dee", kind: "click", providerEventID: "scan-1")
                scanner.bot = true
                let machine = IncomingEvent(
                    externalID: "cam", kind: "open", providerEventID: "mpp-1", machineOpen: true)
                let ids = try store.record([scanner, machine], now: now, on: connection).map(\.id)
                let policies = try PolicyStore(schema: schema).load(on: connection)
                _ = try EventApplier(schema: schema).apply(eventIDs: ids, policies: policies, now: now, on: connection)
            }
            let membership = StreamMembershipTests()
            #expect(try await membership.stream(connection, schema, "dee") == nil, "a scanner's click enters nothing")
            #expect(
                try await membership.stream(connection, schema, "cam") == "promotion", "a machine open exits nothing")
        }
    }

    /// A branch on a click is not taken on a scanner's click: cam's click was a bot's, so cam
    /// gets the nudge; dee clicked and gets the thanks.
    @Test func robotsTakeNoBranch() async throws {
        let streams = """
            streams:
              - name: promotion
                entry: {event: page_visit}
                steps: [{send: promo_1}, {branch: {if: click, within: 3d, then: thanks, else: nudge}},
                        {id: nudge, send: promo_nudge}, {end: true}, {id: thanks, send: promo_thanks}]
            """
        try await scenario(streams: streams) { connection, schema, event, day in
            try await event("cam", "page_visit")
            try await event("dee", "page_visit")
            try await day(0)
            try await connection.run {
                try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(86_400), on: $0)
            }
            try await connection.withTransaction { connection in
                let store = EventStore(schema: schema)
                let now = try store.now(on: connection)
                var scanner = IncomingEvent(externalID: "cam", kind: "click", providerEventID: "scan-1")
                scanner.bot = true
                let ids = try store.record([scanner], now: now, on: connection).map(\.id)
                let policies = try PolicyStore(schema: schema).load(on: connection)
                _ = try EventApplier(schema: schema).apply(eventIDs: ids, policies: policies, now: now, on: connection)
            }
            try await event("dee", "click")
            try await day(3)
            func sent(_ contact: String) async throws -> [String] {
                try await connection.query(
                    """
                    SELECT x.template FROM \(schema.quoted).sends x JOIN \(schema.quoted).contacts c ON c.id = x.contact_id
                    WHERE c.external_id = $1 ORDER BY x.at, x.id
                    """, [contact]
                ).rows.map { try $0.decode("template") }
            }
            #expect(try await sent("cam") == ["promo_1", "promo_nudge"], "the scanner's click is no answer")
            #expect(try await sent("dee") == ["promo_1", "promo_thanks"])
        }
    }

    /// Each contact always gets the same variant (recorded on the send), conversions are the
    /// metric's events after the send, and a promoted winner is what later sends use.
    @Test func experimentAssignsCountsAndPromotes() async throws {
        let streams = """
            streams:
              - name: promotion
                entry: {event: page_visit}
                steps:
                  - send: {template: promo, experiment: {name: subject, metric: opens,
                           variants: [{name: curiosity, template: promo_curiosity}, {name: value, template: promo_value}]}}
            """
        let names = (1...30).map { "p\($0)" }
        try await scenario(streams: streams, contacts: names + ["late"]) { connection, schema, event, day in
            for name in names { try await event(name, "page_visit") }
            try await day(0)
            let rows = try await connection.query(
                """
                SELECT c.id, s.template, s.variant, s.experiment FROM \(schema.quoted).sends s JOIN \(schema.quoted).contacts c ON c.id = s.contact_id
                """
            ).rows
            #expect(rows.count == 30)
            for row in rows {
                let id: Int64 = try row.decode("id")
                let expected =
                    ExperimentAssignment.variant(experiment: "subject", contactID: id, weights: [nil, nil]) == 0
                    ? "curiosity" : "value"
                #expect(
                    try row.decode("variant", as: String.self) == expected
                        && (try row.decode("experiment", as: String.self)) == "subject")
                #expect(try row.decode("template", as: String.self) == "promo_\(expected)")
            }
            // Five contacts open: those are the conversions, whatever their variant.
            for name in names.prefix(5) { try await event(name, "open") }
            let store = ExperimentStore(schema: schema)
            let info = try #require(try await connection.run { try store.list(on: $0) }.first)
            let tallies = try await connection.run { try store.tallies(info, on: $0) }
            #expect(
                tallies.map(\.sends).reduce(0, +) == 30 && tallies.map(\.conversions).reduce(0, +) == 5, "\(tallies)")
            try await connection.withTransaction {
                try store.promote("subject", variant: "value", automatic: false, evidence: [], now: Self.start, on: $0)
            }
            await #expect(throws: ExperimentError.self) {
                try await connection.withTransaction {
                    try store.promote(
                        "subject", variant: "shouting", automatic: false, evidence: [], now: Self.start, on: $0)
                }
            }
            try await event("late", "page_visit")
            try await day(1)
            let late: String = try await connection.query(
                """
                SELECT s.template FROM \(schema.quoted).sends s JOIN \(schema.quoted).contacts c ON c.id = s.contact_id WHERE c.external_id = 'late'
                """
            ).first!.decode("template")
            #expect(late == "promo_value", "after promotion every send uses the winner")
        }
    }

    /// A locked birthday stream entered three days before the date by the daily date-entry
    /// schedule; contacts with another date, or a value that is not a date, are left alone.
    @Test func birthdayStreamIsEnteredByDate() async throws {
        let streams = """
            streams:
              - {name: birthday, mode: locked, entry: {date_attribute: birthday, offset_days: -3},
                 steps: [{send: birthday_1}, {wait: 3d}, {send: birthday_2}]}
            """
        try await scenario(streams: streams, contacts: ["cam", "dee", "eve"]) { connection, schema, _, day in
            try await connection.simpleQuery(
                """
                UPDATE \(schema.quoted).contacts SET attributes = CASE external_id
                    WHEN 'cam' THEN '{"birthday": "1990-01-18"}'::jsonb WHEN 'dee' THEN '{"birthday": "1985-06-01"}'::jsonb
                    ELSE '{"birthday": "soon"}'::jsonb END
                """)
            for step in [0.0, 3, 4] { try await day(step) }
            let rows = try await connection.query(
                """
                SELECT c.external_id, s.template, s.at FROM \(schema.quoted).sends s JOIN \(schema.quoted).contacts c ON c.id = s.contact_id ORDER BY s.at
                """
            ).rows.map {
                """
                \(try $0.decode("external_id", as: String.self)):\(try $0.decode("template", as: String.self))\
                @\(Int((try $0.decode("at", as: Date.self)).timeIntervalSince(Self.start) / 86_400))
                """
            }
            #expect(rows == ["cam:birthday_1@0", "cam:birthday_2@3"])
            let first = try #require(
                try await connection.query("SELECT trigger FROM \(schema.quoted).stream_decisions ORDER BY id LIMIT 1")
                    .first)
            let trigger: String = try first.decode("trigger")
            #expect(trigger == "date:birthday:-3")
        }
    }

    /// A stream that starts with a wait sends when the wait ends, not a day early.
    @Test func leadingWaitDelaysTheFirstSend() async throws {
        let streams = "streams:\n  - {name: later, entry: {event: page_visit}, steps: [{wait: 2d}, {send: later_1}]}"
        try await scenario(streams: streams) { connection, schema, event, day in
            try await event("cam", "page_visit")
            for step in [0.0, 1] { try await day(step) }
            #expect(try await sends(connection, schema).isEmpty)
            try await day(2)
            #expect(try await sends(connection, schema) == ["later_1@2"])
        }
    }
}

@Suite struct ExperimentPromotionTests {
    /// The daily judgement promotes the subject line that truly opens better (30 % against 20 %
    /// over 1,000 sends each), stores the evidence, and later sends use it; an experiment short
    /// of its minimum of sends is left collecting.
    @Test func dailyJudgementPromotesTheBetterVariant() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let streams = """
                streams:
                  - name: promotion
                    entry: {event: page_visit}
                    steps:
                      - send: {template: promo, experiment: {name: subject, metric: opens,
                               variants: [{name: curiosity, template: promo_curiosity}, {name: value, template: promo_value}]}}
                      - wait: 1d
                      - send: {template: cta, experiment: {name: cta, metric: clicks,
                               variants: [{name: demo, template: cta_demo}, {name: sales, template: cta_sales}]}}
                """
            try await connection.withTransaction { connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                _ = try StreamStore(schema: schema).apply(Data(streams.utf8), on: connection)
            }
            let s = schema.quoted
            try await connection.simpleQuery(
                """
                INSERT INTO \(s).contacts (external_id, email, segment, status_changed_at, created_at)
                SELECT 'x' || g, NULL, 'retail', '2027-01-01', '2027-01-01' FROM generate_series(1, 2000) g;
                INSERT INTO \(s).sends (contact_id, flow, step, template, channel, at, experiment, variant)
                SELECT id, 'promotion', 0, 'promo', 'email', '2027-01-10', 'subject', CASE WHEN id % 2 = 0 THEN 'curiosity' ELSE 'value' END
                FROM \(s).contacts;
                INSERT INTO \(s).engagement_events (contact_id, external_id, kind, occurred_at, received_at, applied_at)
                SELECT id, external_id, 'open', '2027-01-11', '2027-01-11', '2027-01-11' FROM \(s).contacts
                WHERE (id % 2 = 0 AND id % 20 < 6) OR (id % 2 = 1 AND id % 20 < 4);
                INSERT INTO \(s).engagement_events (contact_id, external_id, kind, occurred_at, received_at, applied_at, machine_open)
                SELECT id, external_id, 'open', '2027-01-11', '2027-01-11', '2027-01-11', true FROM \(s).contacts WHERE id % 2 = 1 AND id % 20 >= 15;
                """)
            let promoted = try await connection.withTransaction {
                try ExperimentPromotion(schema: schema).run(now: start, on: $0)
            }
            #expect(promoted == ["subject"], "cta has no sends yet: still collecting")
            let row = try #require(
                try await connection.query("SELECT variant, automatic, evidence FROM \(s).experiment_promotions").first)
            #expect(
                try row.decode("variant", as: String.self) == "curiosity"
                    && (try row.decode("automatic", as: Bool.self)))
            let evidence: PGJSON = try row.decode("evidence")
            let rows = try #require(try JSONSerialization.jsonObject(with: evidence.bytes) as? [[String: Any]])
            #expect(
                rows.compactMap { $0["conversions"] as? Int }.sorted() == [200, 300],
                "machine opens do not count: \(rows)")
            #expect(
                try await connection.withTransaction { try ExperimentPromotion(schema: schema).run(now: start, on: $0) }
                    .isEmpty, "decided once")
        }
    }
}

/// One task tells another that something happened.
actor StepSignal {
    private var fired = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func fire() { fired = true; waiters.forEach { $0.resume() }; waiters = [] }
    func wait() async { if fired { return }; await withCheckedContinuation { waiters.append($0) } }
}
