import Foundation
import LoyaltyCore
import LoyaltyCoreKit
import SwiftUI

/// The tabs of the sample app, also the targets of the core's deep links.
enum Tab: Hashable {
    case card, points, wallet, offers, list, receipts, reminders, settings
}

/// The app's one core and the state every screen shares. UI state lives on the main actor; the
/// facade runs the core's calls off the main thread.
@MainActor
final class AppModel: ObservableObject {
    enum Phase {
        case opening
        case ready(Loyalty)
        /// The core could not open; `canQuarantine` when the database is damaged.
        case failed(message: String, canQuarantine: Bool)
    }

    @Published private(set) var phase: Phase = .opening
    @Published var selectedTab: Tab = .card
    /// A voucher a deep link asked to show (loyalty://wallet/<id>).
    @Published var focusedVoucherId: String?
    @Published private(set) var syncState: SyncState?
    @Published private(set) var lastSyncMessage: String?
    /// Bumped after each sync or change that screens should reload for.
    @Published private(set) var dataVersion = 0

    let scheduler = NotificationScheduler()
    let serverURL: URL

    private var syncStatesTask: Task<Void, Never>?
    private var openTask: Task<Loyalty?, Never>?

    init(bundle: Bundle = .main) {
        let configured = bundle.object(forInfoDictionaryKey: "LoyaltyServerURL") as? String
        serverURL = URL(string: configured ?? "") ?? URL(string: "http://127.0.0.1:8080")!
    }

    var loyalty: Loyalty? {
        if case let .ready(loyalty) = phase { return loyalty }
        return nil
    }

    /// The opened core, waiting for the opening in progress (background refresh after a cold launch).
    func openedLoyalty() async -> Loyalty? {
        if let loyalty { return loyalty }
        if let openTask { return await openTask.value }
        return await open()
    }

    @discardableResult
    func open() async -> Loyalty? {
        if let loyalty { return loyalty }
        if let openTask { return await openTask.value }
        phase = .opening
        let task = Task { () async -> Loyalty? in
            do {
                let loyalty = try await Loyalty.open(dataDirectory: try Loyalty.defaultDataDirectory())
                self.phase = .ready(loyalty)
                self.observeSync(loyalty)
                await self.scheduler.registerCategories()
                await self.replanReminders()
                return loyalty
            } catch let error as LoyaltyError {
                if case .DatabaseCorrupt = error {
                    self.phase = .failed(message: error.reason, canQuarantine: true)
                } else {
                    self.phase = .failed(message: error.reason, canQuarantine: false)
                }
                return nil
            } catch {
                self.phase = .failed(message: error.localizedDescription, canQuarantine: false)
                return nil
            }
        }
        openTask = task
        let result = await task.value
        openTask = nil
        return result
    }

    /// Moves the damaged database aside (kept for support), opens a fresh one and refills it from
    /// the server.
    func quarantineAndReopen() async {
        do {
            let directory = try Loyalty.defaultDataDirectory()
            _ = try await Task.detached { try quarantineDatabase(dataDir: directory.path) }.value
        } catch {
            phase = .failed(message: (error as? LoyaltyError)?.reason ?? error.localizedDescription, canQuarantine: false)
            return
        }
        if await open() != nil {
            await syncNow()
        }
    }

    private func observeSync(_ loyalty: Loyalty) {
        syncStatesTask?.cancel()
        guard let states = try? loyalty.syncStates() else { return }
        syncStatesTask = Task { [weak self] in
            for await state in states {
                self?.show(state)
            }
        }
    }

    /// The sync state for the screens; a sync that just finished makes them reload.
    private func show(_ state: SyncState) {
        let wasSyncing = syncState.map(Self.isSyncing) ?? false
        syncState = state
        if wasSyncing && !Self.isSyncing(state) {
            dataVersion += 1
        }
    }

    private static func isSyncing(_ state: SyncState) -> Bool {
        if case .syncing = state.status { return true }
        return false
    }

    func syncNow() async {
        guard let loyalty else { return }
        do {
            let report = try await loyalty.syncNow()
            lastSyncMessage = report.cancelled
                ? String(localized: "Sync stopped")
                : Self.syncedMessage(report)
            dataVersion += 1
            await replanReminders()
        } catch let error as LoyaltyError {
            lastSyncMessage = error.reason
        } catch {
            lastSyncMessage = error.localizedDescription
        }
    }

    private static func syncedMessage(_ report: SyncReport) -> String {
        let entries = report.ledgerApplied.formatted()
        let vouchers = report.vouchersApplied.formatted()
        let receipts = report.receiptsApplied.formatted()
        return String(localized: "Synced: \(entries) points entries, \(vouchers) vouchers, \(receipts) receipts")
    }

    func enrol(displayName: String?) async throws {
        guard let loyalty else { return }
        _ = try await loyalty.enrol(baseURL: serverURL, displayName: displayName)
        dataVersion += 1
        await syncNow()
    }

    func joinHousehold(code: String) async throws {
        guard let loyalty else { return }
        _ = try await loyalty.joinHousehold(baseURL: serverURL, householdCode: code)
        dataVersion += 1
        await syncNow()
    }

    /// Plans the reminders again and hands the plan to the notification center.
    func replanReminders() async {
        guard let loyalty else { return }
        do {
            let plan = try await loyalty.reminderPlan()
            try await scheduler.apply(plan)
        } catch {
            // Not authorised for notifications, or the core failed: the next plan tries again.
            lastSyncMessage = (error as? LoyaltyError)?.reason ?? error.localizedDescription
        }
    }

    func changed() {
        dataVersion += 1
    }

    /// Routes a deep link of the core (`loyalty://<screen>[/<id>]`).
    func open(deepLink url: URL) {
        guard url.scheme == "loyalty" else { return }
        let path = url.pathComponents.filter { $0 != "/" }
        switch url.host {
        case "home": selectedTab = .card
        case "points": selectedTab = .points
        case "wallet":
            selectedTab = .wallet
            focusedVoucherId = path.first
        case "offers", "offer": selectedTab = .offers
        case "list": selectedTab = .list
        case "recall", "product": selectedTab = .receipts
        case "content", "recipe", "events", "survey": selectedTab = .reminders
        default: selectedTab = .card
        }
    }

    func didEnterBackground() async {
        try? await loyalty?.flush()
    }
}
