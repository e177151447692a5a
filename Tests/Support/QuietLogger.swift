// A logger for in-process workers in tests: warnings and worse only, so test output stays readable.
import Logging

public enum QuietLogger {
    public static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }
}
