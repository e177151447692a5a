// Keepalives, tcp_user_timeout and connect_timeout by default, and the user's own values winning over them.
import EbbflowTestSupport
import Foundation
import Testing

@testable import PostgresClient

@Suite struct ConnectionDefaultsTests {
    /// libpq takes the last value of a keyword, the connection string expanded in `dbname`'s
    /// place: the defaults must come before it for the string's values to win.
    @Test func theDefaultsComeBeforeTheConnectionString() {
        let parameters = PGConfiguration(conninfo: "postgresql://u@h/db").connectParameters(environment: [:])
        let keywords = parameters.map(\.keyword)
        let dbname = try! #require(keywords.firstIndex(of: "dbname"))
        for keyword in PGConfiguration.connectionDefaults.map(\.key) {
            let index = try! #require(keywords.firstIndex(of: keyword), "\(keyword) is set")
            #expect(index < dbname, "\(keyword) precedes dbname")
        }
        #expect(parameters.first { $0.keyword == "keepalives_idle" }?.value == "10")
        #expect(parameters.first { $0.keyword == "tcp_user_timeout" }?.value == "30000")
    }

    /// An explicit default would override what libpq otherwise takes from the environment or a
    /// service file: it is left out then.
    @Test func theEnvironmentAndServiceFilesKeepTheirSay() {
        let plain = PGConfiguration(conninfo: "host=h dbname=db")
        let timeoutFromEnvironment = plain.connectParameters(environment: ["PGCONNECT_TIMEOUT": "4"]).map(\.keyword)
        #expect(!timeoutFromEnvironment.contains("connect_timeout"))
        #expect(timeoutFromEnvironment.contains("keepalives_idle"))
        let service = PGConfiguration(conninfo: "service=prod").connectParameters(environment: [:]).map(\.keyword)
        #expect(!service.contains("keepalives_idle") && !service.contains("connect_timeout"))
        let serviceFromEnvironment = plain.connectParameters(environment: ["PGSERVICE": "prod"]).map(\.keyword)
        #expect(!serviceFromEnvironment.contains("tcp_user_timeout"))
    }

    /// What libpq actually uses, read back from the open connection (`PQconninfo`).
    @Test func aLiveConnectionUsesTheDefaults() async throws {
        let connection = try await PGConnection.connect(PGConfiguration(conninfo: try TestDatabase.url))
        #expect(await connection.optionInEffect("keepalives") == "1")
        #expect(await connection.optionInEffect("keepalives_idle") == "10")
        #expect(await connection.optionInEffect("keepalives_interval") == "5")
        #expect(await connection.optionInEffect("keepalives_count") == "3")
        #expect(await connection.optionInEffect("tcp_user_timeout") == "30000")
        if ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil {
            #expect(await connection.optionInEffect("connect_timeout") == "10")
        }
    }

    @Test func theUsersOwnValuesWin() async throws {
        let url = try TestDatabase.url
        let settings = ["keepalives_idle=77", "tcp_user_timeout=12345", "connect_timeout=4"]
        let own =
            url.hasPrefix("postgres")
            ? url + (url.contains("?") ? "&" : "?") + settings.joined(separator: "&")
            : ([url] + settings).joined(separator: " ")
        let connection = try await PGConnection.connect(PGConfiguration(conninfo: own))
        #expect(await connection.optionInEffect("keepalives_idle") == "77")
        #expect(await connection.optionInEffect("tcp_user_timeout") == "12345")
        #expect(await connection.optionInEffect("connect_timeout") == "4")
        #expect(await connection.optionInEffect("keepalives_count") == "3", "the defaults it does not set stay")
    }
}
