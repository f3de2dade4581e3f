import LoyaltyCore
import LoyaltyCoreKit
import SwiftUI
import UIKit
import UserNotifications

@main
struct LoyaltySampleApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var appDelegate
    @Environment(\.scenePhase) private var scenePhase

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(appDelegate.model)
                .onOpenURL { url in
                    appDelegate.model.open(deepLink: url)
                }
        }
        .onChange(of: scenePhase) { phase in
            let model = appDelegate.model
            switch phase {
            case .background:
                Task {
                    await model.didEnterBackground()
                    try? appDelegate.backgroundSync.schedule()
                }
            case .active:
                Task {
                    if let loyalty = model.loyalty {
                        try? await model.scheduler.reconcileDelivered(with: loyalty)
                        await model.replanReminders()
                    }
                }
            default:
                break
            }
        }
    }
}

/// Launch-time set-up that iOS requires before launching finishes (background task
/// registration, the notification delegate) and the callbacks SwiftUI has no modifier for
/// (remote notifications). The completion-handler forms of the callbacks are used, and each
/// handler is called on the main actor once the work is done.
@MainActor
final class AppDelegate: NSObject, UIApplicationDelegate, UNUserNotificationCenterDelegate {
    let model = AppModel()
    lazy var backgroundSync = BackgroundSync(
        loyalty: { [model] in await model.openedLoyalty() },
        afterSync: { [model] _, _ in await model.replanReminders() }
    )

    func application(
        _ application: UIApplication,
        didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil
    ) -> Bool {
        UNUserNotificationCenter.current().delegate = self
        backgroundSync.register()
        application.registerForRemoteNotifications()
        Task { await model.open() }
        return true
    }

    func application(_ application: UIApplication, didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        // The core keeps the token; the next sync registers it with the retailer's server.
        Task { [model] in
            guard let loyalty = await model.openedLoyalty() else { return }
            try? await loyalty.setPushToken(deviceToken)
        }
    }

    func application(_ application: UIApplication, didFailToRegisterForRemoteNotificationsWithError error: Error) {
        // No pushes (a simulator without a push environment): local reminders still work.
    }

    /// Background pushes carry the retailer's message under "loyalty"; the core decides.
    func application(
        _ application: UIApplication,
        didReceiveRemoteNotification userInfo: [AnyHashable: Any],
        fetchCompletionHandler completionHandler: @escaping (UIBackgroundFetchResult) -> Void
    ) {
        Task {
            guard let loyalty = await model.openedLoyalty() else {
                completionHandler(.failed)
                return
            }
            let handler = PushHandler(loyalty: loyalty, scheduler: model.scheduler)
            switch await handler.handle(userInfo: userInfo) {
            case .shown:
                completionHandler(.newData)
            case .suppressed, .notShown, .notOurs:
                completionHandler(.noData)
            case .malformed, .failed:
                completionHandler(.failed)
            }
        }
    }

    // MARK: UNUserNotificationCenterDelegate

    nonisolated func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        willPresent notification: UNNotification,
        withCompletionHandler completionHandler: @escaping (UNNotificationPresentationOptions) -> Void
    ) {
        Task { @MainActor in
            // A recall alert in the foreground: the core decides (it posts its own notification,
            // naming the purchase, when the shopper is concerned); the generic alert is not shown.
            if PushHandler.isRecallAlert(notification) {
                if let loyalty = await model.openedLoyalty() {
                    _ = await PushHandler(loyalty: loyalty, scheduler: model.scheduler).handle(notification: notification)
                }
                completionHandler([])
                return
            }
            if let loyalty = model.loyalty {
                try? await model.scheduler.willPresent(notification, loyalty: loyalty)
            }
            completionHandler([.banner, .list, .sound])
        }
    }

    nonisolated func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        didReceive response: UNNotificationResponse,
        withCompletionHandler completionHandler: @escaping () -> Void
    ) {
        Task { @MainActor in
            if let loyalty = await model.openedLoyalty() {
                let push = PushHandler(loyalty: loyalty, scheduler: model.scheduler)
                if let link = await push.open(response: response) {
                    // A recall alert the server sent as a visible push.
                    model.open(deepLink: link)
                } else if let link = try? await model.scheduler.handle(response, loyalty: loyalty) {
                    model.open(deepLink: link)
                }
                await model.replanReminders()
            }
            completionHandler()
        }
    }
}

/// The eight screens of the Android sample, in the same order, once the core is open. iOS shows
/// the first four in the tab bar and the others under its own (system-localised) "More" tab.
struct RootView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        switch model.phase {
        case .opening:
            ProgressView("Opening…")
        case let .failed(message, canQuarantine):
            OpenFailedView(message: message, canQuarantine: canQuarantine)
        case let .ready(loyalty):
            TabView(selection: $model.selectedTab) {
                CardScreen(loyalty: loyalty)
                    .tabItem { Label("Card", systemImage: "qrcode") }
                    .tag(Tab.card)
                PointsScreen(loyalty: loyalty)
                    .tabItem { Label("Points", systemImage: "star.circle") }
                    .tag(Tab.points)
                WalletScreen(loyalty: loyalty)
                    .tabItem { Label("Wallet", systemImage: "ticket") }
                    .tag(Tab.wallet)
                OffersScreen(loyalty: loyalty)
                    .tabItem { Label("Offers", systemImage: "tag") }
                    .tag(Tab.offers)
                ShoppingListScreen(loyalty: loyalty)
                    .tabItem { Label("Shopping list", systemImage: "checklist") }
                    .tag(Tab.list)
                ReceiptsScreen(loyalty: loyalty)
                    .tabItem { Label("Receipts", systemImage: "doc.text") }
                    .tag(Tab.receipts)
                RemindersScreen(loyalty: loyalty)
                    .tabItem { Label("Reminders", systemImage: "bell") }
                    .tag(Tab.reminders)
                SettingsScreen(loyalty: loyalty)
                    .tabItem { Label("Settings", systemImage: "gearshape") }
                    .tag(Tab.settings)
            }
        }
    }
}

struct OpenFailedView: View {
    @EnvironmentObject private var model: AppModel
    let message: String
    let canQuarantine: Bool

    var body: some View {
        VStack(spacing: 16) {
            Image(systemName: "exclamationmark.triangle")
                .font(.largeTitle)
            Text("Your loyalty data could not be opened.")
                .font(.headline)
            Text(message)
                .font(.footnote)
                .foregroundStyle(.secondary)
                .multilineTextAlignment(.center)
            if canQuarantine {
                Button("Restore from the server") {
                    Task { await model.quarantineAndReopen() }
                }
                .buttonStyle(.borderedProminent)
            } else {
                Button("Try again") {
                    Task { await model.open() }
                }
            }
        }
        .padding()
    }
}
