import Testing
@testable import Incentives

/// Result ids are compared by their exact Unicode scalars (bytes), never by Swift's `String ==`,
/// which treats canonically equivalent strings ("\u{E9}" and "e\u{301}") as equal. Two different
/// byte strings are two different results (docs/PROTOCOL.md: "equal ids = equal results").
@Suite("Result ids compare by exact scalars")
struct ResultIDExactnessTests {
    static let composed = "\u{E9}"          // é, one scalar (UTF-8 C3 A9)
    static let decomposed = "e\u{301}"      // e + combining acute (UTF-8 65 CC 81)

    @Test("canonically equivalent but different ids are a disagreement, not an agreement")
    func equivalentIdsDisagree() throws {
        #expect(Self.composed == Self.decomposed)  // Swift's String == says equal ...
        let s = try Clauses.settle(reward: 10, deposit: 4, outcomes: [
            .revealed(resultID: Self.composed), .revealed(resultID: Self.decomposed),
        ])
        // ... but the results are different bytes: clause 3, not clause 2.
        #expect(s.workers.map(\.clause) == [.disagreement, .disagreement])
        #expect(s.workers.map(\.amount) == [2, 2])
        #expect(s.requesterRefund == 10 && s.requesterClause == .rewardRefund && s.forfeited == 4)
    }

    @Test("identical ids still agree")
    func identicalIdsAgree() throws {
        let s = try Clauses.settle(reward: 10, deposit: 4, outcomes: [
            .revealed(resultID: Self.decomposed), .revealed(resultID: "e\u{301}"),
        ])
        #expect(s.workers.map(\.clause) == [.agreement, .agreement])
    }

    @Test("WorkerOutcome equality and hashing use exact scalars")
    func outcomeEquality() {
        let a = WorkerOutcome.revealed(resultID: Self.composed)
        let b = WorkerOutcome.revealed(resultID: Self.decomposed)
        #expect(a != b)
        #expect(a == .revealed(resultID: "\u{E9}"))
        #expect(Set([a, b]).count == 2)
        #expect(WorkerOutcome.didNotCommit == .didNotCommit && WorkerOutcome.didNotCommit != .didNotReveal)
    }
}
