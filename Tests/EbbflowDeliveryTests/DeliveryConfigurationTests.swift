// The delivery settings `ebbflow worker` reads: each mistake named, no secret repeated, a missing public URL warned about.
import EbbflowMail
import Testing

@testable import EbbflowDelivery

@Suite struct DeliveryConfigurationTests {
    let secret = "s3cret-s3cret-s3cret"

    func error(_ environment: [String: String]) -> String? {
        do {
            _ = try DeliveryConfiguration.fromEnvironment(environment)
            return nil
        } catch { return error.description }
    }

    @Test func nothingSetDeliversNothing() throws {
        let configuration = try DeliveryConfiguration.fromEnvironment(["EBBFLOW_FROM": "a@example.com"])
        #expect(!configuration.delivers && configuration.warnings.isEmpty)
    }

    @Test func smtpNeedsASenderAndWarnsWithoutPublicURL() throws {
        let url = "smtp://user:hunter2-password@127.0.0.1:2525?tls=none"
        let missing = error(["EBBFLOW_SMTP_URL": url])
        #expect(missing?.contains("EBBFLOW_FROM is not set") == true && missing?.contains("hunter2") == false)
        let configuration = try DeliveryConfiguration.fromEnvironment([
            "EBBFLOW_SMTP_URL": url, "EBBFLOW_FROM": "News <news@Example.com>",
        ])
        guard case .smtp(let smtp) = configuration.transport else {
            Issue.record("not SMTP")
            return
        }
        #expect(smtp.host == "127.0.0.1" && smtp.port == 2525 && !"\(smtp)".contains("hunter2"))
        #expect(configuration.from?.address == "news@Example.com" && configuration.from?.domain == "example.com")
        #expect(configuration.warnings.count == 1 && configuration.warnings[0].contains("EBBFLOW_PUBLIC_URL"))
        let withURL = try DeliveryConfiguration.fromEnvironment([
            "EBBFLOW_SMTP_URL": url, "EBBFLOW_FROM": "news@example.com",
            "EBBFLOW_PUBLIC_URL": "https://mail.example.com/", "EBBFLOW_UNSUBSCRIBE_MAILTO": "unsub@example.com",
        ])
        #expect(withURL.warnings.isEmpty && withURL.publicURL?.text == "https://mail.example.com")
        #expect(withURL.unsubscribeMailto == "unsub@example.com")
    }

    @Test func theWebhookTimeoutIsBoundedAndDefaultsToTenSeconds() throws {
        let webhook = [
            "EBBFLOW_DELIVERY_WEBHOOK_URL": "https://x.example.com/hook", "EBBFLOW_DELIVERY_WEBHOOK_SECRET": secret,
            "EBBFLOW_FROM": "a@example.com",
        ]
        #expect(try DeliveryConfiguration.fromEnvironment(webhook).webhookTimeoutSeconds == 10)
        let set = webhook.merging(["EBBFLOW_DELIVERY_WEBHOOK_TIMEOUT": "1m30s"]) { $1 }
        #expect(try DeliveryConfiguration.fromEnvironment(set).webhookTimeoutSeconds == 90)
        for bad in ["0s", "0.5s", "6m", "10", "ten seconds", "1e9s", String(repeating: "1", count: 40) + "s"] {
            let message = error(webhook.merging(["EBBFLOW_DELIVERY_WEBHOOK_TIMEOUT": bad]) { $1 })
            #expect(
                message == "EBBFLOW_DELIVERY_WEBHOOK_TIMEOUT must be a duration from 1s to 5m, such as 10s or 1m30s",
                "\(bad): \(message ?? "accepted")")
        }
    }

    @Test func theDispatchersNumbersAreSettableWithinBounds() throws {
        let smtp = ["EBBFLOW_SMTP_URL": "smtp://127.0.0.1:2525?tls=none", "EBBFLOW_FROM": "a@example.com"]
        let defaults = try DeliveryConfiguration.fromEnvironment(smtp).settings
        #expect(
            defaults.backlog == 1_000 && defaults.chunkSize == 200 && defaults.connections == 4 && defaults.batch == 500
                && defaults.smtpConnections == 4
        )
        let set = try DeliveryConfiguration.fromEnvironment(
            smtp.merging([
                "EBBFLOW_DELIVERY_BACKLOG": "140", "EBBFLOW_DELIVERY_CHUNK": "20", "EBBFLOW_DELIVERY_CONNECTIONS": "8",
                "EBBFLOW_SMTP_CONNECTIONS": "3",
            ]) { $1 }
        ).settings
        #expect(
            set.backlog == 140 && set.batch == 140 && set.chunkSize == 20 && set.connections == 8
                && set.smtpConnections == 3)
        for (variable, bounds, bad) in [
            ("EBBFLOW_DELIVERY_BACKLOG", "1 to 100000", ["0", "100001", "-5", "1e3", "ten", "99999999999999999999"]),
            ("EBBFLOW_DELIVERY_CHUNK", "1 to 1000", ["0", "1001", "2.5"]),
            ("EBBFLOW_DELIVERY_CONNECTIONS", "1 to 100", ["0", "101", "٣"]),
            ("EBBFLOW_SMTP_CONNECTIONS", "1 to 32", ["0", "33", "2x"]),
        ] {
            for value in bad {
                let message = error(smtp.merging([variable: value]) { $1 })
                #expect(
                    message == "\(variable) must be a whole number from \(bounds)", "\(value): \(message ?? "accepted")"
                )
            }
        }
    }

    @Test func mistakesAreNamedWithoutSecrets() {
        let both = error([
            "EBBFLOW_SMTP_URL": "smtp://127.0.0.1", "EBBFLOW_DELIVERY_WEBHOOK_URL": "https://x.example.com",
            "EBBFLOW_FROM": "a@example.com",
        ])
        #expect(both?.contains("both set") == true)
        let noSecret = error(["EBBFLOW_DELIVERY_WEBHOOK_URL": "https://x.example.com", "EBBFLOW_FROM": "a@example.com"])
        #expect(noSecret?.contains("EBBFLOW_DELIVERY_WEBHOOK_SECRET is not set") == true)
        let short = error([
            "EBBFLOW_DELIVERY_WEBHOOK_URL": "https://x.example.com", "EBBFLOW_DELIVERY_WEBHOOK_SECRET": "tiny-secret",
            "EBBFLOW_FROM": "a@example.com",
        ])
        #expect(short?.contains("16...1024 bytes") == true && short?.contains("tiny-secret") == false)
        let userInfo = error([
            "EBBFLOW_DELIVERY_WEBHOOK_URL": "https://me:pw-in-url@x.example.com",
            "EBBFLOW_DELIVERY_WEBHOOK_SECRET": secret, "EBBFLOW_FROM": "a@example.com",
        ])
        #expect(userInfo?.contains("EBBFLOW_DELIVERY_WEBHOOK_URL") == true && userInfo?.contains("pw-in-url") == false)
        let orphanSecret = error(["EBBFLOW_DELIVERY_WEBHOOK_SECRET": secret])
        #expect(orphanSecret?.contains("without EBBFLOW_DELIVERY_WEBHOOK_URL") == true)
        #expect(orphanSecret?.contains(secret) == false)
        for bad in [
            "news", "a@b@c", "News <news@example.com", "a b@example.com", "x@exa mple.com", "x@.com", "a@b\r\nBcc: x@y",
        ] {
            let message = error(["EBBFLOW_SMTP_URL": "smtp://127.0.0.1", "EBBFLOW_FROM": bad])
            #expect(message?.hasPrefix("EBBFLOW_FROM:") == true, "\(bad): \(message ?? "accepted")")
        }
        let badPublic = error([
            "EBBFLOW_SMTP_URL": "smtp://127.0.0.1", "EBBFLOW_FROM": "a@example.com",
            "EBBFLOW_PUBLIC_URL": "mail.example.com",
        ])
        #expect(badPublic?.contains("EBBFLOW_PUBLIC_URL") == true)
        let badMailto = error([
            "EBBFLOW_SMTP_URL": "smtp://127.0.0.1", "EBBFLOW_FROM": "a@example.com",
            "EBBFLOW_UNSUBSCRIBE_MAILTO": "mailto:x",
        ])
        #expect(badMailto?.hasPrefix("EBBFLOW_UNSUBSCRIBE_MAILTO:") == true)
        let badCA = error([
            "EBBFLOW_SMTP_URL": "smtp://127.0.0.1", "EBBFLOW_FROM": "a@example.com",
            "EBBFLOW_SMTP_CA": "/nonexistent/ca.pem",
        ])
        #expect(badCA?.contains("EBBFLOW_SMTP_CA") == true)
        let long = error([
            "EBBFLOW_SMTP_URL": "smtp://" + String(repeating: "a", count: 3_000), "EBBFLOW_FROM": "a@example.com",
        ])
        #expect(long?.contains("longer than 2048 bytes") == true)
    }
}
