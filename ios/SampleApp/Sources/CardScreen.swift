import LoyaltyCore
import LoyaltyCoreKit
import SwiftUI
import UIKit

/// The card at the till: the rotating QR code drawn natively from the core's module matrix,
/// redrawn at each rotation, with the screen at full brightness while it shows. A code on a
/// screenshot is worthless after one period; where iOS allows, the code is also hidden while the
/// screen is recorded or mirrored and in the app switcher's snapshot.
struct CardScreen: View {
    let loyalty: Loyalty
    @EnvironmentObject private var model: AppModel
    @Environment(\.scenePhase) private var scenePhase
    @StateObject private var brightness = BrightnessBooster()
    /// The screen is recorded, mirrored or shared (`UIScreen.isCaptured`).
    @State private var isCaptured = false
    @State private var state: CardState = .loading
    @State private var screenshotNoticeShown = false

    enum CardState {
        case loading
        case noCard
        case ready(MemberCard, TillCard)
        case failed(String)
    }

    var body: some View {
        NavigationStack {
            VStack(spacing: 20) {
                content
            }
            .padding()
            .frame(maxWidth: .infinity, maxHeight: .infinity)
            .navigationTitle("Card")
        }
        .task(id: model.dataVersion) {
            await showCodes()
        }
        .onAppear {
            brightness.boost()
            isCaptured = BrightnessBooster.screen?.isCaptured ?? false
        }
        .onDisappear { brightness.restore() }
        .onChange(of: scenePhase) { phase in
            if phase == .active { brightness.boost() } else { brightness.restore() }
        }
        .onReceive(NotificationCenter.default.publisher(for: UIScreen.capturedDidChangeNotification)) { notification in
            isCaptured = (notification.object as? UIScreen)?.isCaptured ?? false
        }
        // iOS offers no way to block a screenshot; it only tells the app afterwards.
        .onReceive(NotificationCenter.default.publisher(for: UIApplication.userDidTakeScreenshotNotification)) { _ in
            screenshotNoticeShown = true
        }
        .alert("Screenshots don't work at the till", isPresented: $screenshotNoticeShown) {
            Button("OK", role: .cancel) {}
        } message: {
            Text("The code changes every few seconds, so show the card in the app itself.")
        }
    }

    @ViewBuilder
    private var content: some View {
        switch state {
        case .loading:
            ProgressView()
        case .noCard:
            Image(systemName: "person.crop.rectangle.badge.plus")
                .font(.system(size: 56))
                .foregroundStyle(.secondary)
            Text("No card on this device yet")
                .font(.headline)
            Button("Join in Settings") {
                model.selectedTab = .settings
            }
            .buttonStyle(.borderedProminent)
        case let .failed(message):
            Image(systemName: "exclamationmark.triangle")
                .font(.largeTitle)
            Text(message)
                .multilineTextAlignment(.center)
            Button("Try again") {
                model.changed()
            }
        case let .ready(member, till):
            if isCaptured || scenePhase != .active {
                ProtectedCodeView(reason: isCaptured
                    ? String(localized: "The code is hidden while the screen is recorded or mirrored.")
                    : String(localized: "The code is hidden outside the app."))
            } else {
                BarcodeView(matrix: till.matrix)
                    .frame(maxWidth: 320)
                    .accessibilityLabel("Your loyalty card code")
                Text(Self.masked(member.cardNumber))
                    .font(.system(.title3, design: .monospaced))
                RotationCountdown(code: till.code)
            }
        }
    }

    /// The card now, then a new code at each rotation, until the screen goes away.
    private func showCodes() async {
        do {
            guard let member = try await loyalty.memberCard() else {
                state = .noCard
                return
            }
            for try await till in loyalty.tillCards(ec: .medium) {
                state = .ready(member, till)
            }
        } catch let error as LoyaltyError {
            // With a member card, `NotFound` means its secret is missing from the Keychain (a
            // restored phone): the reason says to enrol the card again.
            state = .failed(error.reason)
        } catch {
            state = .failed(error.localizedDescription)
        }
    }

    /// "•••• •••• 1234": the till reads the code, people need only recognise the card.
    static func masked(_ number: String) -> String {
        let visible = number.suffix(4)
        return String(repeating: "•", count: max(number.count - 4, 0)) + visible
    }
}

/// A barcode drawn from its module matrix: black modules on white with the quiet zone, whatever
/// the colour scheme (scanners need the contrast). Works for 2D codes and, with `height` 1, for
/// linear ones.
struct BarcodeView: View {
    let matrix: BarcodeMatrix

    var body: some View {
        let layout = Layout(matrix)
        Canvas { context, size in
            let module = min(size.width / CGFloat(layout.columns), size.height / CGFloat(layout.rows))
            let origin = CGPoint(x: (size.width - module * CGFloat(layout.columns)) / 2,
                                 y: (size.height - module * CGFloat(layout.rows)) / 2)
            context.fill(Path(CGRect(origin: .zero, size: size)), with: .color(.white))
            var dark = Path()
            for y in 0..<layout.height {
                for x in 0..<layout.width where layout.modules[y * layout.width + x] == 1 {
                    dark.addRect(CGRect(x: origin.x + CGFloat(x + layout.quiet) * module,
                                        y: origin.y + CGFloat(layout.quietRows) * module,
                                        width: module,
                                        height: module * CGFloat(layout.barHeight))
                        .offsetBy(dx: 0, dy: CGFloat(y) * module))
                }
            }
            context.fill(dark, with: .color(.black))
        }
        .aspectRatio(CGFloat(layout.columns) / CGFloat(layout.rows), contentMode: .fit)
    }

    /// Grid geometry in modules: a 4-module quiet zone for 2D codes, 10 for linear codes (their
    /// single row drawn as bars `barHeight` modules high).
    struct Layout {
        let width: Int
        let height: Int
        let modules: [UInt8]
        let quiet: Int
        let quietRows: Int
        let barHeight: Int
        let columns: Int
        let rows: Int

        init(_ matrix: BarcodeMatrix) {
            width = Int(matrix.width)
            height = Int(matrix.height)
            modules = [UInt8](matrix.modules)
            let linear = height == 1
            quiet = linear ? 10 : 4
            quietRows = linear ? 2 : 4
            barHeight = linear ? max(width / 4, 20) : 1
            columns = width + 2 * quiet
            rows = (linear ? barHeight : height) + 2 * quietRows
        }
    }
}

/// Time left until the code rotates.
struct RotationCountdown: View {
    let code: RotatingCode

    var body: some View {
        TimelineView(.periodic(from: .now, by: 1)) { timeline in
            let total = code.validUntil.timeIntervalSince(code.validFrom)
            let left = max(code.validUntil.timeIntervalSince(timeline.date), 0)
            VStack(spacing: 6) {
                ProgressView(value: total > 0 ? left / total : 0)
                    .frame(maxWidth: 240)
                Text("New code in \(Int(left.rounded(.up)).formatted()) s")
                    .font(.footnote)
                    .foregroundStyle(.secondary)
                    .monospacedDigit()
            }
        }
    }
}

struct ProtectedCodeView: View {
    let reason: String

    var body: some View {
        RoundedRectangle(cornerRadius: 12)
            .fill(.quaternary)
            .aspectRatio(1, contentMode: .fit)
            .frame(maxWidth: 320)
            .overlay {
                VStack(spacing: 8) {
                    Image(systemName: "eye.slash")
                        .font(.largeTitle)
                    Text(reason)
                        .font(.footnote)
                        .multilineTextAlignment(.center)
                        .padding(.horizontal)
                }
                .foregroundStyle(.secondary)
            }
    }
}

/// Raises the screen to full brightness while the card shows, and puts it back afterwards.
@MainActor
final class BrightnessBooster: ObservableObject {
    private var saved: CGFloat?

    func boost() {
        guard saved == nil, let screen = Self.screen else { return }
        saved = screen.brightness
        screen.brightness = 1.0
    }

    func restore() {
        guard let saved, let screen = Self.screen else { return }
        screen.brightness = saved
        self.saved = nil
    }

    static var screen: UIScreen? {
        UIApplication.shared.connectedScenes
            .compactMap { $0 as? UIWindowScene }
            .first { $0.activationState == .foregroundActive }?.screen
    }
}
