// A role's password turned into a SCRAM verifier here, so the password itself never travels in SQL text.
import CLibPQ

extension PGConnection {
    /// The SCRAM-SHA-256 verifier of `password` for `role`, computed by libpq on this side.
    ///
    /// Why: `ALTER ROLE … PASSWORD` takes no bind parameter, so a password written into the
    /// statement would reach the server's log (`log_statement`, a failed statement's text) and
    /// `pg_stat_activity`. A verifier ("SCRAM-SHA-256$4096:…") is what the server stores
    /// anyway and cannot be used to log in; it holds only base64 characters, `$` and `:`,
    /// which is checked, so it is safe as a string literal.
    public func scramVerifier(password: String, role: String) throws -> String {
        let handle = try liveHandle()
        guard let encrypted = PQencryptPasswordConn(handle.pointer, password, role, "scram-sha-256") else {
            throw PGError(.server, "libpq could not compute the password's SCRAM verifier")
        }
        defer { PQfreemem(encrypted) }
        let verifier = String(cString: encrypted)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=$:-")
        guard verifier.hasPrefix("SCRAM-SHA-256$"), verifier.allSatisfy(allowed.contains) else {
            throw PGError(.server, "libpq returned a SCRAM verifier of an unexpected form")
        }
        return verifier
    }
}
