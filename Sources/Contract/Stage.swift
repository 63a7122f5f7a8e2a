/// A task's stages, each carrying the data that exists in it (the swift-nio state-machine shape):
///
/// ```
/// joining ──(n-th join)──► awaitingCoin ──(coin released)──► working ──(settle)──► closed(settled)
///    │      (public coin: straight to working)     │                                 ▲
///    ├─(cancel)──► closed(cancelled)               └─(coin deadline passed: settle)──┤ closed(aborted)
///    └─(join deadline passed: settle)────────────────────────────────────────────────┘
/// ```
///
/// Commit and reveal are one stage, `working`: which of the two phases a task is in depends on the
/// time (`TaskState.phase(at:)`), not only on what has been appended.
extension TaskState {
    public enum Stage: Sendable, Codable, Equatable {
        /// Open for joining: fewer than n workers so far.
        case joining(Joining)
        /// Filled, waiting for the requester to open the committed coin.
        case awaitingCoin(AwaitingCoin)
        /// The coin is known: workers commit, then reveal.
        case working(Working)
        /// Settled, aborted or cancelled; nothing more happens.
        case closed(Closed)
    }

    /// The stages a task is open in; a closed task keeps the last one it reached (for status views).
    public enum OpenStage: Sendable, Codable, Equatable {
        case joining(Joining)
        case awaitingCoin(AwaitingCoin)
        case working(Working)
    }

    public struct Joining: Sendable, Codable, Equatable {
        /// The workers so far, in join order (fewer than n).
        public internal(set) var workers: [String]

        public init(workers: [String]) { self.workers = workers }
    }

    public struct AwaitingCoin: Sendable, Codable, Equatable {
        /// All n workers, in join order.
        public let workers: [String]
        /// When the n-th worker joined.
        public let filledAt: Int64

        public init(workers: [String], filledAt: Int64) {
            self.workers = workers
            self.filledAt = filledAt
        }
    }

    public struct Working: Sendable, Codable, Equatable {
        /// All n workers, in join order.
        public let workers: [String]
        /// When the n-th worker joined.
        public let filledAt: Int64
        /// The coin in hex: the released one (committed coin) or the public value.
        public let coin: String
        /// When the commit phase began: the coin's release, or the n-th join for a public coin.
        public let commitStart: Int64
        /// Worker → its commitment.
        public internal(set) var commits: [String: String]
        /// When the last worker committed; nil until all n have.
        public internal(set) var lastCommitAt: Int64?
        /// Worker → its opening.
        public internal(set) var reveals: [String: Reveal]

        func commitDeadline(_ windows: Windows) -> Int64 { saturatingAdd(commitStart, windows.commit) }
        /// The n-th commit's time when all committed, else the commit deadline.
        func revealStart(_ windows: Windows) -> Int64 { lastCommitAt ?? commitDeadline(windows) }
        func revealDeadline(_ windows: Windows) -> Int64 { saturatingAdd(revealStart(windows), windows.reveal) }
    }

    public struct Closed: Sendable, Codable, Equatable {
        public let how: Closing
        /// The line of the settle or cancel.
        public let seq: Int64
        /// The time of that line.
        public let at: Int64
        /// The digest every worker revealed, when the task settled with agreement.
        public let agreedResult: String?
        /// What the last open stage held; reveals without their inline bytes (needed only to
        /// settle the evaluation payment), so a closed task stays small.
        public let last: OpenStage
    }

    public enum Closing: String, Sendable, Codable, Equatable {
        case settled, aborted, cancelled

        public var phase: TaskPhase {
            switch self {
            case .settled: return .settled
            case .aborted: return .aborted
            case .cancelled: return .cancelled
            }
        }
    }
}

extension TaskState.OpenStage {
    /// The same stage with every reveal's inline bytes dropped.
    var withoutRevealData: TaskState.OpenStage {
        guard case .working(var w) = self, w.reveals.values.contains(where: { $0.data != nil }) else { return self }
        w.reveals = w.reveals.mapValues(\.withoutData)
        return .working(w)
    }
}
