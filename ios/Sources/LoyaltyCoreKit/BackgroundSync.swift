import BackgroundTasks
import Foundation
import LoyaltyCore

/// Syncs in the background with `BGTaskScheduler` app-refresh tasks: registers the launch
/// handler, schedules the next refresh, runs `Loyalty.syncNow()` and stops it when iOS expires
/// the task.
///
/// Contract:
/// - Set-up: list `taskIdentifier` under `BGTaskSchedulerPermittedIdentifiers` and `fetch` under
///   `UIBackgroundModes` in Info.plist; call `register()` before the app finishes launching
///   (in `application(_:didFinishLaunchingWithOptions:)` or the SwiftUI `App` initialiser), and
///   `schedule()` whenever the app goes to the background.
/// - Threading: iOS calls the launch handler on a background queue; the sync runs in a Swift
///   task and `setTaskCompleted` is called exactly once, from that task. No lock is held while
///   the core is called, and this type is not a core callback (the core never calls it).
/// - Expiration: iOS's expiration handler cancels the task, which the facade turns into
///   `SyncService.cancel()`; the sync stops promptly, what it applied stays applied, and the
///   task completes with `success: false` so iOS may try again sooner.
/// - Errors: a failed sync (`Network`, `Unauthorized`, ...) completes the task unsuccessfully
///   and is passed to `onResult`; `schedule()` throws `BGTaskScheduler.Error` (`.notPermitted`
///   when Info.plist lacks the identifier, `.tooManyPendingTaskRequests`, `.unavailable` when
///   Background App Refresh is off or on the simulator).
public final class BackgroundSync: @unchecked Sendable {
    public static let defaultTaskIdentifier = "com.loyaltycore.sync"

    public let taskIdentifier: String
    /// The earliest iOS should run the next refresh; iOS decides the actual time.
    public let minimumInterval: TimeInterval
    private let loyalty: @Sendable () async -> Loyalty?
    private let afterSync: @Sendable (Loyalty, SyncReport) async -> Void
    private let onResult: @Sendable (Result<SyncReport, Error>) -> Void

    /// - Parameters:
    ///   - loyalty: the app's opened core, or `nil` when it is not open (the task then completes
    ///     without syncing). Opening the core may take a moment after a cold launch.
    ///   - afterSync: work that belongs with a sync, e.g. planning reminders again.
    ///   - onResult: for logging; called once per run, on the task's thread.
    public init(
        taskIdentifier: String = BackgroundSync.defaultTaskIdentifier,
        minimumInterval: TimeInterval = 4 * 60 * 60,
        loyalty: @escaping @Sendable () async -> Loyalty?,
        afterSync: @escaping @Sendable (Loyalty, SyncReport) async -> Void = { _, _ in },
        onResult: @escaping @Sendable (Result<SyncReport, Error>) -> Void = { _ in }
    ) {
        self.taskIdentifier = taskIdentifier
        self.minimumInterval = minimumInterval
        self.loyalty = loyalty
        self.afterSync = afterSync
        self.onResult = onResult
    }

    /// Registers the launch handler. Returns `false` when iOS refused (identifier missing from
    /// Info.plist). Must run before the app finishes launching, once.
    @discardableResult
    public func register() -> Bool {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: taskIdentifier, using: nil) { [self] task in
            guard let refresh = task as? BGAppRefreshTask else {
                task.setTaskCompleted(success: false)
                return
            }
            handle(refresh)
        }
    }

    /// Asks iOS for the next refresh, no earlier than `minimumInterval` from now. Replaces an
    /// earlier request with the same identifier.
    public func schedule() throws {
        let request = BGAppRefreshTaskRequest(identifier: taskIdentifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: minimumInterval)
        try BGTaskScheduler.shared.submit(request)
    }

    /// Withdraws the pending request (signed out: nothing to sync).
    public func cancelScheduled() {
        BGTaskScheduler.shared.cancel(taskRequestWithIdentifier: taskIdentifier)
    }

    private func handle(_ task: BGAppRefreshTask) {
        // Keep the refreshes coming whatever happens to this one.
        try? schedule()
        let work = Task { [loyalty, afterSync] () async throws -> SyncReport? in
            guard let core = await loyalty() else { return nil }
            let report = try await core.syncNow()
            if !report.cancelled {
                await afterSync(core, report)
            }
            return report
        }
        task.expirationHandler = {
            work.cancel()
        }
        Task { [onResult] in
            let result = await work.result
            switch result {
            case let .success(report?):
                onResult(.success(report))
                task.setTaskCompleted(success: !report.cancelled)
            case .success(nil):
                task.setTaskCompleted(success: true)
            case let .failure(error):
                onResult(.failure(error))
                task.setTaskCompleted(success: false)
            }
        }
    }
}
