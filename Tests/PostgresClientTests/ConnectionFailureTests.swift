// Connection failures give one safe line naming host and database, and never the password.
import Foundation
@testable import PostgresClient
import Testing
import EbbflowTestSupport

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
            return error.kind == .connectionFailed && text.contains("127.0.0.1") && !text.contains("p@ss") && !text.contains("p%40ss")
        }
        #expect(PGConfiguration(conninfo: conninfo).description == "postgresql://alice:***@127.0.0.1:1/crm?connect_timeout=3")
    }

    /// Redaction by position: a one-letter password once turned `unsupported` into
    /// `unsupp***rted` and `PGPASSWORD=o` garbled every message.
    @Test func shortPasswordsDoNotGarbleMessages() async throws {
        for conninfo in ["postgresql://u:o@127.0.0.1:1/crm?connect_timeout=3", "host=127.0.0.1 port=1 password=o dbname=crm connect_timeout=3"] {
            let redactor = Redactor(conninfo: conninfo)
            #expect(redactor.redacted("unsupported frontend protocol; database \"crm\" on host \"127.0.0.1\"")
                    == "unsupported frontend protocol; database \"crm\" on host \"127.0.0.1\"")
            await #expect {
                _ = try await PGConnection.connect(PGConfiguration(conninfo: conninfo))
            } throws: { error in
                let text = "\(error)"
                return text.contains("\"crm\"") && text.contains("127.0.0.1") && text.contains("refused") && !text.contains("***")
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
            // The whole string, or a quoted value holding the password (how libpq quotes them).
            #expect(!redactor.redacted("failed for \(conninfo) with \"x\(secret)y\"").contains(secret), "\(conninfo)")
            #expect(!PGConfiguration(conninfo: conninfo).description.contains(secret))
        }
        // key=value strings are shown as libpq parsed them (its option order), password masked.
        #expect(Set(PGConfiguration(conninfo: "host=db password='quoted secret' dbname=app").description.split(separator: " "))
                == ["host=db", "password=***", "dbname=app"])
        #expect(PGConfiguration(conninfo: "postgresql://db/app?password=hunter4&sslmode=disable").description
                == "postgresql://db/app?password=***&sslmode=disable")
    }

    @Test func resolveOrder() {
        #expect(PGConfiguration.resolve(explicit: "postgres://flag", environment: ["DATABASE_URL": "postgres://env"]).conninfo == "postgres://flag")
        #expect(PGConfiguration.resolve(explicit: nil, environment: ["DATABASE_URL": "postgres://env"]).conninfo == "postgres://env")
        #expect(PGConfiguration.resolve(explicit: nil, environment: [:]).conninfo == "")
    }
}
