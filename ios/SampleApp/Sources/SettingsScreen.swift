import LoyaltyCore
import LoyaltyCoreKit
import SwiftUI
import UIKit

/// Settings: consent per category of message, quiet hours, the language of the reminders, and
/// the membership (join, add this phone to a household, sync).
struct SettingsScreen: View {
    let loyalty: Loyalty
    @EnvironmentObject private var model: AppModel
    @Environment(\.openURL) private var openURL
    @State private var settings: ReminderSettings?
    @State private var loadError: String?
    @State private var signedIn = false
    @State private var householdCode: String?
    @State private var showsHouseholdCode = false
    @State private var displayName = ""
    @State private var joinCode = ""
    @State private var membershipError: String?
    @State private var working = false

    struct Language: Identifiable {
        let tag: String
        let name: String
        var id: String { tag }
    }

    /// Languages the core has texts for; others fall back to English.
    static let languages = [
        Language(tag: "en", name: "English"),
        Language(tag: "nl", name: "Nederlands"),
        Language(tag: "fr", name: "Français"),
    ]

    var body: some View {
        NavigationStack {
            Form {
                if let loadError {
                    Text(loadError).foregroundStyle(.red)
                }
                if let settings {
                    notificationSections(settings)
                }
                membershipSection
                Section("About") {
                    LabeledContent("Loyalty Core", value: loyaltyCoreVersion())
                    LabeledContent("Server", value: model.serverURL.absoluteString)
                }
            }
            .navigationTitle("Settings")
        }
        .task(id: model.dataVersion) {
            await load()
        }
    }

    // MARK: Notifications

    @ViewBuilder
    private func notificationSections(_ settings: ReminderSettings) -> some View {
        Section {
            Toggle("Safety: recalls of products you bought", isOn: binding(\.consent.safety))
            Toggle("Service: vouchers, receipts, set-up tips", isOn: binding(\.consent.service))
            Toggle("Offers: reminders and ideas", isOn: binding(\.consent.marketing))
            Button("Allow notifications") {
                Task {
                    _ = try? await model.scheduler.requestAuthorization()
                    await model.replanReminders()
                }
            }
        } header: {
            Text("What may we tell you?")
        } footer: {
            Text("Reminders are worked out on this device from your own purchases; what you buy is not sent anywhere for them.")
        }
        Section("Quiet hours") {
            Toggle("No notifications at night", isOn: quietHoursEnabled)
            if let quiet = settings.quietHours {
                DatePicker("From", selection: minuteBinding(quiet.startMinute) { $0.startMinute = $1 },
                           displayedComponents: .hourAndMinute)
                DatePicker("Until", selection: minuteBinding(quiet.endMinute) { $0.endMinute = $1 },
                           displayedComponents: .hourAndMinute)
            }
        }
        Section("Language") {
            Picker("Reminders in", selection: binding(\.language)) {
                ForEach(Self.languages) { language in
                    Text(language.name).tag(language.tag)
                }
                if !Self.languages.contains(where: { $0.tag == settings.language }) {
                    Text(settings.language).tag(settings.language)
                }
            }
            // The app's own texts follow the shopper's languages, or the per-app language iOS
            // offers in Settings (Android switches them with the picker above).
            Button("Change the app's language in Settings") {
                if let url = URL(string: UIApplication.openSettingsURLString) {
                    openURL(url)
                }
            }
        }
    }

    private func binding<Value>(_ path: WritableKeyPath<ReminderSettings, Value>) -> Binding<Value> {
        Binding(
            get: { settings![keyPath: path] },
            set: { value in
                guard var changed = settings else { return }
                changed[keyPath: path] = value
                save(changed)
            }
        )
    }

    private var quietHoursEnabled: Binding<Bool> {
        Binding(
            get: { settings?.quietHours != nil },
            set: { on in
                guard var changed = settings else { return }
                changed.quietHours = on ? QuietHours(startMinute: 22 * 60, endMinute: 8 * 60) : nil
                save(changed)
            }
        )
    }

    /// A time-of-day picker over minutes after midnight.
    private func minuteBinding(_ minute: UInt16, update: @escaping (inout QuietHours, UInt16) -> Void) -> Binding<Date> {
        let calendar = Calendar.current
        let midnight = calendar.startOfDay(for: Date())
        return Binding(
            get: { midnight.addingTimeInterval(TimeInterval(minute) * 60) },
            set: { date in
                guard var changed = settings, var quiet = changed.quietHours else { return }
                let parts = calendar.dateComponents([.hour, .minute], from: date)
                update(&quiet, UInt16((parts.hour ?? 0) * 60 + (parts.minute ?? 0)))
                changed.quietHours = quiet
                save(changed)
            }
        )
    }

    private func save(_ changed: ReminderSettings) {
        let previous = settings
        settings = changed
        Task {
            do {
                try await loyalty.updateReminderSettings(changed)
                loadError = nil
                await model.replanReminders()
            } catch let failure as LoyaltyError {
                settings = previous
                loadError = failure.reason
            } catch {
                settings = previous
                loadError = error.localizedDescription
            }
        }
    }

    // MARK: Membership

    private var membershipSection: some View {
        Section {
            if signedIn {
                syncStatus
                Button {
                    Task {
                        working = true
                        await model.syncNow()
                        working = false
                    }
                } label: {
                    if working {
                        Text("Syncing…")
                    } else {
                        Text("Sync now")
                    }
                }
                .disabled(working)
                if householdCode != nil {
                    Button {
                        showsHouseholdCode.toggle()
                    } label: {
                        if showsHouseholdCode {
                            Text("Hide household code")
                        } else {
                            Text("Add another device")
                        }
                    }
                    if showsHouseholdCode, let householdCode {
                        Text(householdCode)
                            .font(.system(.body, design: .monospaced))
                            .textSelection(.enabled)
                    }
                }
                Button("Sign out of this device", role: .destructive) {
                    Task { await membership { try await loyalty.signOut() } }
                }
            } else {
                TextField("Your name (optional)", text: $displayName)
                    .textContentType(.name)
                Button("Join the programme") {
                    Task {
                        await membership {
                            try await model.enrol(displayName: displayName.isEmpty ? nil : displayName)
                        }
                    }
                }
                TextField("Household code from another device", text: $joinCode)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                Button("Add this device") {
                    Task { await membership { try await model.joinHousehold(code: joinCode) } }
                }
                .disabled(joinCode.isEmpty)
            }
            if let membershipError {
                Text(membershipError).foregroundStyle(.red)
            }
        } header: {
            Text("Membership")
        }
        .disabled(working)
    }

    @ViewBuilder
    private var syncStatus: some View {
        if let state = model.syncState {
            switch state.status {
            case .idle:
                LabeledContent("Last synced", value: state.lastSyncedAt?.formatted(date: .abbreviated, time: .shortened)
                    ?? String(localized: "never"))
            case let .syncing(phase):
                LabeledContent("Syncing", value: phase.label)
            case let .failed(kind, reason):
                VStack(alignment: .leading) {
                    if kind == .unauthorized {
                        Text("Please sign in again")
                    } else {
                        Text("Last sync failed")
                    }
                    Text(reason).font(.caption).foregroundStyle(.secondary)
                }
            }
            if state.pendingOutbox > 0 {
                LabeledContent("Waiting to be sent", value: state.pendingOutbox.formatted())
            }
            if state.stuckOutbox > 0 {
                Text("Refused by the server again and again: \(state.stuckOutbox.formatted()). Please contact customer service.")
                    .font(.caption)
                    .foregroundStyle(.orange)
            }
        }
        if let message = model.lastSyncMessage {
            Text(message).font(.caption).foregroundStyle(.secondary)
        }
    }

    private func membership(_ action: () async throws -> Void) async {
        working = true
        defer { working = false }
        do {
            try await action()
            membershipError = nil
            model.changed()
        } catch let failure as LoyaltyError {
            membershipError = failure.reason
        } catch {
            membershipError = error.localizedDescription
        }
    }

    private func load() async {
        do {
            settings = try await loyalty.reminderSettings()
            let state = try await loyalty.syncState()
            signedIn = state.signedIn
            if signedIn {
                householdCode = try await loyalty.householdCode()
            } else {
                householdCode = nil
            }
            loadError = nil
        } catch let failure as LoyaltyError {
            loadError = failure.reason
        } catch {
            loadError = error.localizedDescription
        }
    }
}
