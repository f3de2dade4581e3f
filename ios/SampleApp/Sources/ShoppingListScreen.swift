import LoyaltyCore
import LoyaltyCoreKit
import SwiftUI

/// The shopping list: items typed by hand, taken from "your usual items" or from a reminder,
/// checked off in the shop (a receipt that buys an item takes it off by itself), and the usual
/// items the core expects soon, each with its why. The list lives on the phone: every action is
/// a core call that works offline. Mirrors Android's `ShoppingListScreen`.
struct ShoppingListScreen: View {
    let loyalty: Loyalty
    @State private var list: ListScreen?
    @State private var draft = ""
    @State private var failure: String?
    @FocusState private var typing: Bool

    var body: some View {
        NavigationStack {
            List {
                Section {
                    HStack {
                        TextField("Add an item", text: $draft)
                            .focused($typing)
                            .submitLabel(.done)
                            .onSubmit(addDraft)
                        Button("Add", action: addDraft)
                            .buttonStyle(.borderedProminent)
                            .disabled(draft.trimmingCharacters(in: .whitespaces).isEmpty)
                    }
                    if let failure {
                        Text(failure).foregroundStyle(.red)
                    }
                }
                Section {
                    if let list, list.items.isEmpty {
                        Text("Your list is empty.")
                            .foregroundStyle(.secondary)
                    }
                    ForEach(list?.items ?? [], id: \.id) { item in
                        ListItemRow(item: item) { checked in
                            act { _ = try await loyalty.setListItemChecked(id: item.id, checked: checked) }
                        }
                    }
                }
                if let usual = list?.usual, !usual.isEmpty {
                    Section("Your usual items") {
                        ForEach(usual, id: \.gtin) { item in
                            HStack(alignment: .center, spacing: 8) {
                                VStack(alignment: .leading, spacing: 2) {
                                    Text(item.name)
                                    // The core's why, in the shopper's language.
                                    Text(item.reason)
                                        .font(.caption)
                                        .foregroundStyle(.secondary)
                                }
                                Spacer()
                                Button("Add") {
                                    act { _ = try await loyalty.addUsualToList(gtin: item.gtin) }
                                }
                                .buttonStyle(.bordered)
                            }
                        }
                    }
                }
                if list == nil && failure == nil {
                    ProgressView()
                }
            }
            .navigationTitle("Shopping list")
        }
        // The core's ListListener: the list now and after every change, a receipt included.
        .task {
            await follow()
        }
    }

    private func follow() async {
        do {
            for await screen in try loyalty.shoppingLists(usualLimit: 5) {
                list = screen
            }
        } catch let error as LoyaltyError {
            failure = error.reason
        } catch {
            failure = error.localizedDescription
        }
    }

    private func addDraft() {
        let name = draft.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { return }
        draft = ""
        act { _ = try await loyalty.addToList(name: name) }
    }

    /// Runs a list change; the listener brings the new list, a refusal (a duplicate) shows.
    private func act(_ change: @escaping () async throws -> Void) {
        Task { @MainActor in
            do {
                try await change()
                failure = nil
            } catch let error as LoyaltyError {
                failure = error.reason
            } catch {
                failure = error.localizedDescription
            }
        }
    }
}

struct ListItemRow: View {
    let item: ListItem
    let setChecked: (Bool) -> Void

    var body: some View {
        Button {
            setChecked(!item.checked)
        } label: {
            HStack(spacing: 12) {
                Image(systemName: item.checked ? "checkmark.circle.fill" : "circle")
                    .foregroundStyle(item.checked ? Color.accentColor : Color.secondary)
                    .imageScale(.large)
                VStack(alignment: .leading, spacing: 2) {
                    Group {
                        if let quantity = item.quantity {
                            Text("\(quantity.formatted())× \(item.name)")
                        } else {
                            Text(item.name)
                        }
                    }
                    .strikethrough(item.checked)
                    .foregroundStyle(item.checked ? Color.secondary : Color.primary)
                    if case .reminder = item.source {
                        Text("Added from a reminder")
                            .font(.caption)
                            .foregroundStyle(.secondary)
                    }
                }
            }
        }
        .buttonStyle(.plain)
        .accessibilityAddTraits(item.checked ? .isSelected : [])
    }
}
