import EbbflowTestSupport
// LISTEN/NOTIFY: a notification wakes a waiting listener at once, not at its timeout.
import Foundation
import PostgresClient
import Testing

@Suite struct NotificationTests {
    @Test(.timeLimit(.minutes(2))) func notifyWakesListenerBeforeTimeout() async throws {
        let listener = try await TestDatabase.connect()
        let sender = try await TestDatabase.connect()
        let channel = "wake_\(UUID().uuidString.prefix(8))"
        try await listener.listen(channel)
        // An hour's timeout: a wait that returns a notification woke on it (a timeout returns
        // none), so no wall-clock bound is needed.
        async let received = listener.waitForNotifications(timeout: .seconds(3600))
        try await Task.sleep(for: .milliseconds(200))
        try await sender.notify(channel, payload: "hello ✓")
        let notes = try await received
        #expect(notes.map(\.payload) == ["hello ✓"])
        #expect(notes.first?.channel == channel)
    }

    @Test(.timeLimit(.minutes(2))) func timeoutReturnsEmpty() async throws {
        let listener = try await TestDatabase.connect()
        try await listener.listen("nobody_sends_here")
        let notes = try await listener.waitForNotifications(timeout: .milliseconds(300))
        #expect(notes.isEmpty)
        // The wait ended by its timeout, not by losing the listener: a notification sent after it
        // is still delivered to the next wait.
        let sender = try await TestDatabase.connect()
        try await sender.notify("nobody_sends_here", payload: "late")
        #expect(try await listener.waitForNotifications(timeout: .seconds(3600)).map(\.payload) == ["late"])
    }

    @Test(.timeLimit(.minutes(2))) func interruptEndsWaitEarly() async throws {
        let listener = try await TestDatabase.connect()
        try await listener.listen("interrupt_me")
        // An hour's timeout: returning at all proves the interrupt ended the wait.
        async let notes = listener.waitForNotifications(timeout: .seconds(3600))
        try await Task.sleep(for: .milliseconds(100))
        listener.interruptWait()
        #expect(try await notes.isEmpty)
    }

    @Test func notificationSentInTransactionArrivesOnCommit() async throws {
        let listener = try await TestDatabase.connect()
        let sender = try await TestDatabase.connect()
        try await listener.listen("on_commit")
        try await sender.withTransaction { connection in
            try connection.notify("on_commit", payload: "1")
            try connection.notify("on_commit", payload: "2")
        }
        var payloads: [String] = []
        while payloads.count < 2 {
            // a hang guard: it returns on arrival
            let batch = try await listener.waitForNotifications(timeout: .seconds(120))
            if batch.isEmpty { break }
            payloads += batch.map(\.payload)
        }
        #expect(payloads == ["1", "2"])
    }
}
