import LoyaltyCore
import LoyaltyCoreKit
import SwiftUI

/// The wallet: vouchers to use now, and the ones used, expired or withdrawn. Redeeming works
/// offline: the voucher's code is shown at once and the redemption is confirmed at the next sync.
struct WalletScreen: View {
    let loyalty: Loyalty
    @EnvironmentObject private var model: AppModel
    @State private var vouchers: [Voucher] = []
    @State private var loadError: String?
    @State private var selected: Voucher?

    private var usable: [Voucher] {
        vouchers.filter {
            switch $0.state {
            case .available, .redeeming: return true
            default: return false
            }
        }
        .sorted { $0.validUntil < $1.validUntil }
    }

    private var past: [Voucher] {
        vouchers.filter { voucher in !usable.contains { $0.id == voucher.id } }
    }

    var body: some View {
        NavigationStack {
            List {
                if let loadError {
                    Text(loadError).foregroundStyle(.red)
                }
                Section("To use") {
                    if usable.isEmpty {
                        Text("No vouchers right now.")
                            .foregroundStyle(.secondary)
                    }
                    ForEach(usable, id: \.id) { voucher in
                        Button {
                            selected = voucher
                        } label: {
                            VoucherRow(voucher: voucher)
                        }
                        .buttonStyle(.plain)
                    }
                }
                if !past.isEmpty {
                    Section("Used and expired") {
                        ForEach(past, id: \.id) { voucher in
                            VoucherRow(voucher: voucher)
                                .foregroundStyle(.secondary)
                        }
                    }
                }
            }
            .navigationTitle("Wallet")
            .refreshable {
                await model.syncNow()
            }
            .sheet(item: Binding(get: { selected.map(IdentifiedVoucher.init) },
                                 set: { selected = $0?.voucher })) { item in
                VoucherDetail(loyalty: loyalty, voucher: item.voucher)
            }
        }
        .task(id: model.dataVersion) {
            await load()
        }
        .onChange(of: model.focusedVoucherId) { id in
            focus(id)
        }
    }

    private func load() async {
        do {
            vouchers = try await loyalty.allVouchers()
            loadError = nil
            focus(model.focusedVoucherId)
        } catch let failure as LoyaltyError {
            loadError = failure.reason
        } catch {
            loadError = error.localizedDescription
        }
    }

    private func focus(_ id: String?) {
        guard let id, let voucher = vouchers.first(where: { $0.id == id }) else { return }
        selected = voucher
        model.focusedVoucherId = nil
    }
}

struct IdentifiedVoucher: Identifiable {
    let voucher: Voucher
    var id: String { voucher.id }
}

struct VoucherRow: View {
    let voucher: Voucher

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(named(voucher.titles, voucher.title)).font(.headline)
            Text(voucher.summary)
            HStack {
                Text(voucher.state.label)
                Spacer()
                Text("Valid until \(voucher.validUntil.formatted(date: .abbreviated, time: .omitted))")
            }
            .font(.caption)
            .foregroundStyle(.secondary)
        }
        .padding(.vertical, 4)
    }
}

/// One voucher: what it gives, its validity, and its code once the shopper redeems it.
struct VoucherDetail: View {
    let loyalty: Loyalty
    @EnvironmentObject private var model: AppModel
    @Environment(\.dismiss) private var dismiss
    @State var voucher: Voucher
    @State private var matrix: BarcodeMatrix?
    @State private var confirming = false
    @State private var working = false
    @State private var failure: String?

    init(loyalty: Loyalty, voucher: Voucher) {
        self.loyalty = loyalty
        _voucher = State(initialValue: voucher)
    }

    private var showsCode: Bool {
        if case .redeeming = voucher.state { return true }
        return false
    }

    var body: some View {
        NavigationStack {
            ScrollView {
                VStack(spacing: 16) {
                    Text(voucher.summary)
                        .font(.title2.bold())
                        .multilineTextAlignment(.center)
                    if let description = voucher.description {
                        Text(description)
                            .multilineTextAlignment(.center)
                    }
                    Text("Valid \(voucher.validFrom.formatted(date: .abbreviated, time: .omitted)) – \(voucher.validUntil.formatted(date: .abbreviated, time: .omitted))")
                        .font(.footnote)
                        .foregroundStyle(.secondary)
                    if showsCode {
                        codeView
                    } else if case .available = voucher.state {
                        Button {
                            confirming = true
                        } label: {
                            Group {
                                if working {
                                    Text("Redeeming…")
                                } else {
                                    Text("Use this voucher")
                                }
                            }
                            .frame(maxWidth: .infinity)
                        }
                        .buttonStyle(.borderedProminent)
                        .disabled(working)
                    } else {
                        Text(voucher.state.label)
                            .foregroundStyle(.secondary)
                    }
                    if let failure {
                        Text(failure)
                            .foregroundStyle(.red)
                            .multilineTextAlignment(.center)
                    }
                }
                .padding()
            }
            .navigationTitle(named(voucher.titles, voucher.title))
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Done") { dismiss() }
                }
            }
            .confirmationDialog("Use this voucher now?", isPresented: $confirming, titleVisibility: .visible) {
                Button("Show the code at the till") {
                    Task { await redeem() }
                }
                Button("Not now", role: .cancel) {}
            } message: {
                Text("The voucher can be used once. Its code stays here until the till has taken it.")
            }
        }
        .task(id: showsCode) {
            if showsCode {
                await drawCode()
            }
        }
    }

    private var codeView: some View {
        VStack(spacing: 12) {
            if let matrix {
                BarcodeView(matrix: matrix)
                    .frame(maxWidth: 280)
                    .accessibilityLabel("Voucher code")
            }
            Text(voucher.code)
                .font(.system(.body, design: .monospaced))
                .textSelection(.enabled)
                .multilineTextAlignment(.center)
                .lineLimit(4)
                .minimumScaleFactor(0.5)
            Text("Show this code at the till. It is confirmed at the next sync.")
                .font(.footnote)
                .foregroundStyle(.secondary)
                .multilineTextAlignment(.center)
        }
    }

    private func redeem() async {
        working = true
        defer { working = false }
        do {
            let redemption = try await loyalty.redeem(voucherId: voucher.id)
            voucher = redemption.voucher
            failure = nil
            model.changed()
            Task { await model.syncNow() }
        } catch let error as LoyaltyError {
            failure = error.reason
        } catch {
            failure = error.localizedDescription
        }
    }

    private func drawCode() async {
        let code = voucher.code
        matrix = try? await loyalty.run { _ in try encodeBarcode(payload: code, symbology: .qrCode, ec: .medium) }
    }
}
