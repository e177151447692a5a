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

    /// A mistyped scheme makes libpq read the whole URL as a database name: still no password.
    @Test func mistypedURLDoesNotLeakPassword() async throws {
        let secret = "Typo-S3cret"
        await #expect {
            _ = try await PGConnection.connect(PGConfiguration(conninfo: "postgress://bob:\(secret)@127.0.0.1:1/crm"))
        } throws: { error in
            !"\(error)".contains(secret) && "\(error)".contains("***")
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
            #expect(!redactor.redacted("failed for \(conninfo) with \(secret)").contains(secret), "\(conninfo)")
            #expect(!PGConfiguration(conninfo: conninfo).description.contains(secret))
        }
    }

    @Test func resolveOrder() {
        #expect(PGConfiguration.resolve(explicit: "postgres://flag", environment: ["DATABASE_URL": "postgres://env"]).conninfo == "postgres://flag")
        #expect(PGConfiguration.resolve(explicit: nil, environment: ["DATABASE_URL": "postgres://env"]).conninfo == "postgres://env")
        #expect(PGConfiguration.resolve(explicit: nil, environment: [:]).conninfo == "")
    }
}
