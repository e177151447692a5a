// Test URLs are changed part by part: a checkout in a folder named `ebbflow` keeps its socket path.
import EbbflowTestSupport
import Testing

@Suite struct TestURLTests {
    /// scripts/test's URL when the repository is cloned as `ebbflow` (what `git clone` names it):
    /// the database and a folder of the socket path share the word. Replacing the word in the
    /// whole string, as two tests once did, rewrote the socket path too.
    @Test(arguments: [
        "postgresql://postgres@/ebbflow?host=%2Fhome%2Fme%2Febbflow%2F.ebbflow%2Fpg-test",
        "postgresql://postgres@/ebbflow?host=/home/me/ebbflow/.ebbflow/pg-test",
        "postgresql://postgres@127.0.0.1:5433/ebbflow",
    ])
    func changingTheDatabaseLeavesTheRestAlone(url: String) throws {
        let parts = try #require(TestURL(url))
        #expect(parts.description == url, "round trip")
        let other = parts.with(database: "no_such_db_here").description
        #expect(other == url.replacingFirstDatabase(with: "no_such_db_here"))
        #expect(TestURL(other)?.query == parts.query)
        #expect(TestURL(other)?.hostPort == parts.hostPort)
        let probe = parts.with(user: "probe", password: "p@ss/word").description
        #expect(probe.hasPrefix("postgresql://probe:p%40ss%2Fword@"), "\(probe)")
        #expect(TestURL(probe)?.database == "ebbflow" && TestURL(probe)?.query == parts.query)
    }
}

extension String {
    /// The expected answer, written out by position: the path right after the authority.
    fileprivate func replacingFirstDatabase(with name: String) -> String {
        let afterScheme = range(of: "://")!.upperBound
        let slash = self[afterScheme...].firstIndex(of: "/")!
        let end = self[slash...].firstIndex(of: "?") ?? endIndex
        return String(self[..<index(after: slash)]) + name + String(self[end...])
    }
}
