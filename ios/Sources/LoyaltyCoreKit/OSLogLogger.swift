import LoyaltyCore
import os

/// Writes the core's log lines to the unified log (`os.Logger`), one category per core target
/// ("store", "sync"). The lines never hold the shopper's data, so they are logged as public.
///
/// Contract: called on whichever thread the core logs from, with no core lock held; `os.Logger`
/// is thread-safe and returns at once. Never calls back into the core.
public final class OSLogLogger: LoyaltyCore.Logger {
    private let subsystem: String

    public init(subsystem: String = "com.loyaltycore") {
        self.subsystem = subsystem
    }

    public func log(level: LogLevel, target: String, message: String) {
        let logger = os.Logger(subsystem: subsystem, category: target)
        switch level {
        case .error: logger.error("\(message, privacy: .public)")
        case .warn: logger.warning("\(message, privacy: .public)")
        case .info: logger.info("\(message, privacy: .public)")
        case .debug: logger.debug("\(message, privacy: .public)")
        }
    }

    /// Installs the logger for the process: debug builds at `.info`, release at `.warn`.
    public static func install(debug: Bool) {
        setLogger(logger: OSLogLogger(), maxLevel: debug ? .info : .warn)
    }
}
