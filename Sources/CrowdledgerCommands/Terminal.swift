import Dispatch
import Files
import LedgerStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What only a person at a terminal sees: colour (on a terminal, never with `NO_COLOR` set and
/// not empty — no-color.org — nor with `TERM=dumb`) and progress (on a terminal). Pipes, files
/// and `--json` get the plain, deterministic bytes docs/WORKFLOW.md describes.
enum Terminal {
    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// `NO_COLOR` set to anything but the empty string, or `TERM=dumb`.
    static var colorDisabled: Bool {
        if let v = getenv("NO_COLOR"), v.pointee != 0 { return true }
        if let t = getenv("TERM"), String(cString: t) == "dumb" { return true }
        return false
    }

    /// Whether text written to `fd` (1 stdout, 2 stderr) may be coloured.
    static func color(_ fd: Int32) -> Bool { !colorDisabled && isTerminal(fd) }

    enum Style: String { case red = "31", green = "32", yellow = "33" }

    /// `s` in `style` when `fd` may be coloured, else `s` unchanged.
    static func paint(_ s: String, _ style: Style, on fd: Int32 = 1) -> String {
        color(fd) ? "\u{1b}[\(style.rawValue)m\(s)\u{1b}[0m" : s
    }
}

/// A progress line on stderr for a long read of a ledger (`verify`): drawn only when stderr is
/// a terminal, first after `delay` seconds (a quick run shows nothing), redrawn in place, and
/// erased by `stop()` before the command prints its result. It follows the bytes the ledger
/// readers have read (`ReadGauge`) against the file's size.
final class Progress: @unchecked Sendable {
    private let label: String
    private let total: Int64
    private let base: Int64
    private let stopSignal = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts the progress line for reading `path` (shown as `label`); nil when stderr is not a
    /// terminal or the file is empty.
    static func start(label: String, path: String, delay: Double = 1.0) -> Progress? {
        guard Terminal.isTerminal(2), let size = FileIO.size(path), size > 0 else { return nil }
        let p = Progress(label: label, total: size)
        DispatchQueue.global().async { p.loop(delay: delay) }
        return p
    }

    private init(label: String, total: Int64) {
        self.label = label
        self.total = total
        self.base = ReadGauge.bytes
    }

    private func loop(delay: Double) {
        var drawn = false
        var wait = delay
        while stopSignal.wait(timeout: .now() + wait) == .timedOut {
            let done = min(max(ReadGauge.bytes - base, 0), total)
            let text = done < total
                ? "\(label): \(done * 100 / total)% (\(Self.size(done, of: total)) of \(Self.size(total, of: total)) read)"
                : "\(label): all \(Self.size(total, of: total)) read; checking the rest"
            Output.errRaw("\r\u{1b}[K" + String(text.prefix(max(Self.width() - 1, 10))))
            drawn = true
            wait = 0.5
        }
        if drawn { Output.errRaw("\r\u{1b}[K") }
        finished.signal()
    }

    /// Erases the line (if drawn) and returns once it is gone.
    func stop() {
        stopSignal.signal()
        finished.wait()
    }

    /// Bytes in kB (below 1 MB in all) or MB with one decimal, with integers only.
    static func size(_ bytes: Int64, of total: Int64) -> String {
        if total < 1_000_000 { return "\(bytes / 1000) kB" }
        let tenths = bytes * 10 / 1_000_000
        return "\(tenths / 10).\(tenths % 10) MB"
    }

    /// The terminal's width (80 when unknown): the line must not wrap, or `\r` cannot redraw it.
    static func width() -> Int {
        var ws = winsize()
        guard ioctl(2, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 else { return 80 }
        return Int(ws.ws_col)
    }
}
