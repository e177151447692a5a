import EbbflowTestSupport
// Connection failures give one safe line naming host and database, and never the password.
import Foundation
import Testing

@testable import PostgresClient

@Suite struct ConnectionFailureTests {
    @Test func unreachableHostNamesHostAndHidesPassword() async throws {
        let secret = "s3cr3t-Pa55"
        let configuration = PGConfiguration(conninfo: "postgresql://alice:\(secret)@127.0.0.1:1/crm?connect_timeout=3")
        await #expect {
            _ = try await PGConnection.connect(configuration)
        } throws: { error in
            guard let error = error as? PGError else { return false }
            let text = error.description
            return error.kind == .connectionFailed && text.contains("127.0.0.1") && text.contains("\"crm\"")
                && !text.contains(secret) && !text.contains("\n")
        }
        #expect(!configuration.description.contains(secret))
        #expect(configuration.description.contains("***"))
    }

    /// libpq reads anything that is neither a URL nor key=value pairs as a database name and
    /// quoted it whole in `database "…" does not exist`; a raw `@` or `/` in a URL's password
    /// moved a fragment of it into the host or port, which libpq quoted. All refused before
    /// connecting, with one line that shows none of the string.
    @Test(arguments: [
        "postgresql//bob:Typo-S3cret@127.0.0.1:1/crm",
        "postgresql:/bob:Typo-S3cret@127.0.0.1:1/crm",
        "postgress://bob:Typo-S3cret@127.0.0.1:1/crm",
        "dbname=postgresql://bob:Typo-S3cret@127.0.0.1:1/crm",
        "dbname='postgresql://bob:Typo-S3cret@127.0.0.1:1/crm' connect_timeout=3",
        "host=127.0.0.1 port=1 password=Typo-S3cret dbname",
        "postgresql://bob:Typo@S3cret@127.0.0.1:1/crm",
        "postgresql://bob:Typo/S3cret@127.0.0.1:1/crm",
        "postgresql://bob:Typo-S3cret@127.0.0.1:1/crm?connect_timeout=3&nosuchoption=1",
    ])
    func unparseableConnectionStringsAreNeverEchoed(conninfo: String) async throws {
        await #expect {
            _ = try await PGConnection.connect(PGConfiguration(conninfo: conninfo))
        } throws: { error in
            guard let error = error as? PGError else { return false }
            let text = error.description
            return error.kind == .invalidConfiguration && text.contains("not shown") && !text.contains("\n")
                && !text.contains("S3cret") && !text.contains("Typo") && !text.contains("127.0.0.1")
        }
        let shown = PGConfiguration(conninfo: conninfo).description
        #expect(!shown.contains("S3cret") && !shown.contains("Typo"), "\(shown)")
    }

    /// A percent-encoded special character is the way to write one: it connects as usual.
    @Test func percentEncodedPasswordIsAcceptedAndHidden() async throws {
        let conninfo = "postgresql://alice:p%40ss%2Fw0rd@127.0.0.1:1/crm?connect_timeout=3"
        await #expect {
            _ = try await PGConnection.connect(PGConfiguration(conninfo: conninfo))
        } throws: { error in
            guard let error = error as? PGError else { return false }
            let text = error.description
            return error.kind == .connectionFailed && text.contains("127.0.0.1") && !text.contains("p@ss")
                && !text.contains("p%40ss")
        }
        #expect(
            PGConfiguration(conninfo: conninfo).description
                == "postgresql://alice:***@127.0.0.1:1/crm?connect_timeout=3")
    }

    /// Redaction by position: a one-letter password once turned `unsupported` into
    /// `unsupp***rted` and `PGPASSWORD=o` garbled every message.
    @Test func shortPasswordsDoNotGarbleMessages() async throws {
        for conninfo in [
            "postgresql://u:o@127.0.0.1:1/crm?connect_timeout=3",
            "host=127.0.0.1 port=1 password=o dbname=crm connect_timeout=3",
        ] {
            let redactor = Redactor(conninfo: conninfo)
            #expect(
                redactor.redacted("unsupported frontend protocol; database \"crm\" on host \"127.0.0.1\"")
                    == "unsupported frontend protocol; database \"crm\" on host \"127.0.0.1\"")
            await #expect {
                _ = try await PGConnection.connect(PGConfiguration(conninfo: conninfo))
            } throws: { error in
                let text = "\(error)"
                return text.contains("\"crm\"") && text.contains("127.0.0.1") && text.contains("refused")
                    && !text.contains("***")
            }
        }
    }

    @Test func missingDatabaseIsNamed() async throws {
        var configuration = try TestDatabase.configuration
        configuration.conninfo = try TestDatabase.parts.with(database: "no_such_db_here").description
        await #expect {
            _ = try await PGConnection.connect(configuration)
        } throws: { error in
            let text = "\(error)"
            return text.contains("no_such_db_here") && text.contains("does not exist")
        }
    }

    @Test func redactorHidesPasswordsInEveryForm() {
        let cases = [
            ("postgres://bob:hunter2@db:5432/app", "hunter2"),
            ("postgresql://bob:p%40ss@db/app", "p@ss"),
            ("host=db password=hunter3 dbname=app", "hunter3"),
            ("host=db password='quoted secret' dbname=app", "quoted secret"),
            ("postgresql://db/app?password=hunter4&sslmode=disable", "hunter4"),
        ]
        for (conninfo, secret) in cases {
            let redactor = Redactor(conninfo: conninfo)
            // A quoted value that is the whole string or the password (how libpq quotes them).
            #expect(
                redactor.redacted("failed for \"\(conninfo)\" with \"\(secret)\"") == "failed for \"***\" with \"***\"",
                "\(conninfo)")
            #expect(!PGConfiguration(conninfo: conninfo).description.contains(secret))
        }
        // key=value strings are shown as libpq parsed them (its option order), password masked.
        #expect(
            Set(
                PGConfiguration(conninfo: "host=db password='quoted secret' dbname=app").description.split(
                    separator: " "))
                == ["host=db", "password=***", "dbname=app"])
        #expect(
            PGConfiguration(conninfo: "postgresql://db/app?password=hunter4&sslmode=disable").description
                == "postgresql://db/app?password=***&sslmode=disable")
        #expect(
            PGConfiguration(conninfo: "postgresql://bob:hunter5@db1:5432,db2:5433/app?target_session_attrs=read-write")
                .description == "postgresql://bob:***@db1:5432,db2:5433/app?target_session_attrs=read-write")
    }

    /// A URL or credentials in a keyword libpq quotes in its errors (`dbname`, `user`, `host`),
    /// in key=value form or in a URL's query, once came back whole: `could not connect to
    /// database "postgresql://bob:Hunter2Secret@db/app"`. Refused in every form, never shown.
    @Test(arguments: [
        "postgresql://127.0.0.1:1/?dbname=postgresql://bob:Hunter2Secret@db/app&connect_timeout=3",
        "postgresql://127.0.0.1:1/?dbname=host%3Dx%20password%3DHunter2Secret&connect_timeout=3",
        "postgresql://127.0.0.1:1/bob:Hunter2Secret@db?connect_timeout=3",
        "postgresql://127.0.0.1:1/app?user=bob:Hunter2Secret@db&connect_timeout=3",
        "host=127.0.0.1 port=1 user=postgres dbname=bob:Hunter2Secret@db/app connect_timeout=3",
        "host=127.0.0.1 port=1 user=postgresql://bob:Hunter2Secret@db/app dbname=app connect_timeout=3",
        "host=postgresql://bob:Hunter2Secret@db/app port=1 dbname=app connect_timeout=3",
        "host=127.0.0.1 port=1 user='x password=Hunter2Secret' dbname=app connect_timeout=3",
    ])
    func credentialsInAnyOptionAreRefusedNeverEchoed(conninfo: String) async throws {
        await #expect {
            _ = try await PGConnection.connect(PGConfiguration(conninfo: conninfo))
        } throws: { error in
            guard let error = error as? PGError else { return false }
            let text = error.description
            return error.kind == .invalidConfiguration && text.contains("not shown") && !text.contains("\n")
                && !text.contains("Hunter2")
        }
        #expect(!PGConfiguration(conninfo: conninfo).description.contains("Hunter2"))
    }

    /// What the refusals above must leave alone: every ordinary way to name a server.
    @Test(arguments: [
        "postgresql://postgres@/ebbflow?host=/tmp/x&port=5432",
        "postgresql:///db?host=/var/run/postgresql",
        "postgres://alice:p%40ss@db.example.com:5432/app?sslmode=require",
        "postgresql://[::1]:5432/app",
        "host=127.0.0.1 port=5432 user=postgres dbname=ebbflow sslmode=disable",
        "host=a,b port=1,2 target_session_attrs=read-write dbname=app",
        // Multi-host, for a failover (scripts/pg-pair, README "Surviving a failover").
        "postgresql://postgres@127.0.0.1:55400,127.0.0.1:55401/ebbflow?target_session_attrs=read-write",
        "postgresql://alice:p%40ss@db1.example.com:5432,db2.example.com:5433/app?target_session_attrs=primary&connect_timeout=5",
        "host=127.0.0.1,127.0.0.1 port=55400,55401 dbname=ebbflow user=postgres target_session_attrs=read-write",
        "host=db user=alice@corp dbname=app",
        "ebbflow",
    ])
    func ordinaryConnectionStringsAreAccepted(conninfo: String) throws {
        try PGConfiguration(conninfo: conninfo).validate()
    }

    /// Such values are masked in messages too, whole, wherever a server or libpq quotes them
    /// (`PGDATABASE` set to a URL never passes through the check above).
    @Test func credentialShapedQuotedValuesAreMasked() {
        let redactor = Redactor(conninfo: "")
        #expect(
            redactor.redacted("database \"postgresql://bob:Hunter2Secret@db/app\" does not exist")
                == "database \"***\" does not exist")
        #expect(
            redactor.redacted("database \"host=x password=Hunter2Secret\" does not exist")
                == "database \"***\" does not exist")
        #expect(redactor.redacted("column \"a=b\" on host \"[::1]:5432\"") == "column \"a=b\" on host \"[::1]:5432\"")
    }

    /// Redaction by position only: with a bare database name as the connection string
    /// (`DATABASE_URL=ebbflow`), replacing the string wherever it occurred printed
    /// `relation "(the connection string)_alt.builtin_schedules"`.
    @Test func aBareDatabaseNameIsNeverMasked() {
        let redactor = Redactor(conninfo: "ebbflow")
        for message in [
            "relation \"ebbflow_alt.builtin_schedules\" does not exist", "database \"ebbflow\" does not exist",
            "schema ebbflow already exists",
        ] {
            #expect(redactor.redacted(message) == message)
        }
        let keywords = Redactor(conninfo: "dbname=ebbflow password=Hunter2Secret")
        #expect(
            keywords.redacted("relation \"ebbflow.jobs\": \"Hunter2Secret\", \"Hunter2Secret_x\"")
                == "relation \"ebbflow.jobs\": \"***\", \"Hunter2Secret_x\"")
    }

    /// The password is masked where libpq reads it: a URL's user info runs to the first `@`
    /// (a `?` does not end it), `sslpassword` is a secret too, and a query key is
    /// percent-decoded before libpq looks it up.
    @Test func descriptionMasksEveryPasswordLibpqReads() {
        #expect(PGConfiguration(conninfo: "postgresql://u:pa?ss@h/db").description == "postgresql://u:***@h/db")
        #expect(
            PGConfiguration(conninfo: "postgresql://u:Hunter?2Secret@h/db?sslmode=disable").description
                == "postgresql://u:***@h/db?sslmode=disable")
        #expect(
            PGConfiguration(conninfo: "postgresql://h/db?pass%77ord=Hunter2Secret").description
                == "postgresql://h/db?pass%77ord=***")
        #expect(
            PGConfiguration(conninfo: "postgresql://h/db?sslpassword=Hunter2Secret&sslmode=require").description
                == "postgresql://h/db?sslpassword=***&sslmode=require")
        #expect(
            !PGConfiguration(conninfo: "host=h sslpassword=Hunter2Secret dbname=db").description.contains("Hunter2"))
        #expect(
            Redactor(conninfo: "host=h sslpassword=Hunter2Secret").redacted("key \"Hunter2Secret\"") == "key \"***\"")
    }

    @Test func resolveOrder() {
        #expect(
            PGConfiguration.resolve(explicit: "postgres://flag", environment: ["DATABASE_URL": "postgres://env"])
                .conninfo == "postgres://flag")
        #expect(
            PGConfiguration.resolve(explicit: nil, environment: ["DATABASE_URL": "postgres://env"]).conninfo
                == "postgres://env")
        #expect(PGConfiguration.resolve(explicit: nil, environment: [:]).conninfo == "")
    }
}
