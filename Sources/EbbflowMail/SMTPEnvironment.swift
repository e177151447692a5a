// The SMTP settings from the process environment: EBBFLOW_SMTP_URL, EBBFLOW_SMTP_CA, EBBFLOW_SMTP_EHLO_NAME.
import Foundation

extension SMTPConfiguration {
    /// The variable names, in one place for the worker, the docs and the tests.
    public static let urlVariable = "EBBFLOW_SMTP_URL"
    public static let caFileVariable = "EBBFLOW_SMTP_CA"
    public static let ehloNameVariable = "EBBFLOW_SMTP_EHLO_NAME"

    /// nil when `EBBFLOW_SMTP_URL` is unset or empty (no SMTP delivery); else the parsed settings,
    /// with the CA file and EHLO name when those are set. Why a helper: every process that
    /// delivers reads the same three names the same way, and refuses a bad value at startup.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SMTPConfigurationError) -> SMTPConfiguration? {
        guard let url = environment[urlVariable], !url.isEmpty else { return nil }
        let caFile = environment[caFileVariable].flatMap { $0.isEmpty ? nil : $0 }
        let ehloName = environment[ehloNameVariable].flatMap { $0.isEmpty ? nil : $0 }
        return try SMTPConfiguration(url: url, caFile: caFile, ehloName: ehloName)
    }
}
