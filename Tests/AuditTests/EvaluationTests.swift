import TestSupport
import Files
import Audit
import CanonicalJSON
import Client
import Contract
import LedgerModel
import LedgerCrypto
import Programs
import Testing

/// Paper Section V end to end on real ledgers: buy training, then pay for precision.
@Suite struct EvaluationTests {
    /// Trains softmax regression on the ledger (3 workers agree), then evaluates the agreed model
    /// with k = 200 in one task per threshold: the seller is paid at a threshold below the
    /// measured precision and not at one above it.
    @Test func trainThenPayPerPrecision() throws {
        let tmp = try TempDirectory()
        let client = LedgerClient(path: tmp.path + "/ledger.jsonl")
        let requester = try Actor("requester", in: tmp.path), seller = try Actor("seller", in: tmp.path)
        let workers = try (0..<3).map { try Actor("w\($0)", in: tmp.path) }
        var funds = [requester.id: Int64(100_000)]
        for w in workers { funds[w.id] = 10_000 }
        try client.create(allocations: funds, time: 1000)
        let data = try FileIO.readAll(digitsPath)
        var t: Int64 = 1000
        func tick() -> Int64 { t += 1; return t }

        func playHonestly(_ spec: PublishSpec) throws -> (task: String, result: [UInt8], settle: Entry) {
            let task = try client.publish(key: requester.key, spec, time: tick()).tx.id
            for w in workers { try client.join(key: w.key, task: task, time: tick()) }
            if spec.publicCoin == nil { try client.releaseCoin(key: requester.key, task: task, time: tick()) }
            let result = try client.run(task: task)
            for w in workers { try client.commit(key: w.key, task: task, result: result, openings: w.openings, time: tick()) }
            for w in workers { try client.reveal(key: w.key, task: task, result: nil, openings: w.openings, time: tick()) }
            return (task, result, try client.settle(task: task, time: tick()))
        }

        var train = PublishSpec(program: TrainSoftmax.name, reward: 300, deposit: 100, workers: 3)
        train.params = ["batch": 16, "epochs": 40, "l2": ["den": 10000, "num": 1], "rate": ["den": 2, "num": 1],
                        "rows": ["count": 1437, "from": 0]]
        train.inputs = [(name: "digits.csv.gz", bytes: data)]
        let trained = try playHonestly(train)
        let model = trained.result
        #expect(try Tasks.find(try client.state(), trained.task, ledger: client.path).agreedResult == SHA256.hex(model))
        // The model is in the blob store beside the ledger (large results are revealed by digest).
        #expect(try client.blobs.get(SHA256.hex(model)) == model)

        func evaluate(num: Int64, den: Int64) throws -> (outcome: EvalOutcome, payouts: [JSON]) {
            var spec = PublishSpec(program: EvalClassifier.name, reward: 60, deposit: 100, workers: 3)
            spec.params = ["k": 200, "rows": ["count": 360, "from": 1437]]
            spec.inputs = [(name: "model", bytes: model), (name: "digits.csv.gz", bytes: data)]
            spec.payment = (amount: 500, seller: seller.id, num: num, den: den)
            // One public coin for every evaluation task: the same 200 rows each time, so the
            // thresholds below are judged against the same measured precision.
            spec.publicCoin = SHA256.hex(Array("evaluation coin".utf8))
            let played = try playHonestly(spec)
            let outcome = try #require(EvalOutcome.parse(played.result))
            return (outcome, played.settle.tx.body["payouts"]?.arrayValue ?? [])
        }

        // Measure the precision once with a threshold of 0 (always met).
        let first = try evaluate(num: 0, den: 1)
        let correct = Int64(first.outcome.correct), k = Int64(first.outcome.k)
        #expect(k == 200)
        #expect(correct >= 170, "a model at ~0.9 test accuracy gets at least 170/200 (got \(correct))")
        func sellerPayout(_ payouts: [JSON]) -> JSON? { payouts.first { $0["account"]?.stringValue == seller.id } }

        #expect(sellerPayout(first.payouts)?["clause"]?.stringValue == "payment-precision-met")
        // Exactly at the measured precision: paid (correct/k >= num/den). Below: paid. Just above: not paid.
        let at = try evaluate(num: correct, den: k)
        #expect(at.outcome == first.outcome)
        #expect(sellerPayout(at.payouts)?["clause"]?.stringValue == "payment-precision-met")
        let below = try evaluate(num: correct - 10, den: k)
        #expect(sellerPayout(below.payouts)?["amount"]?.intValue == 500)
        let above = try evaluate(num: correct + 1, den: k)
        #expect(sellerPayout(above.payouts) == nil)
        #expect(above.payouts.contains { $0["clause"]?.stringValue == "payment-refund-below-threshold" && $0["account"]?.stringValue == requester.id && $0["amount"]?.intValue == 500 })
        #expect(try client.state().balance(of: seller.id) == 3 * 500)

        let report = try Auditor.verify(path: client.path, recompute: true)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.recomputed == 5)
    }
}

/// When the workers agree on something that is not an evaluation of the published k rows, the
/// seller is not paid (and verify --recompute would flag the agreement itself).
@Suite struct UnreadableEvaluationTests {
    func settle(agreeingOn result: [UInt8]) throws -> [JSON] {
        let tmp = try TempDirectory()
        let client = LedgerClient(path: tmp.path + "/ledger.jsonl")
        let requester = try Actor("requester", in: tmp.path), seller = try Actor("seller", in: tmp.path)
        let workers = try (0..<2).map { try Actor("w\($0)", in: tmp.path) }
        try client.create(allocations: [requester.id: 1000, workers[0].id: 100, workers[1].id: 100], time: 1)
        var spec = PublishSpec(program: EvalClassifier.name, reward: 10, deposit: 10, workers: 2)
        spec.params = ["k": 3, "rows": ["count": 5, "from": 0]]
        spec.inputs = [(name: "model", bytes: [1]), (name: "data", bytes: [2])]
        spec.payment = (amount: 500, seller: seller.id, num: 0, den: 1)  // any readable result would pay
        spec.publicCoin = String(repeating: "ab", count: 32)
        let task = try client.publish(key: requester.key, spec, time: 2).tx.id
        for w in workers { try client.join(key: w.key, task: task, time: 3) }
        for w in workers { try client.commit(key: w.key, task: task, result: result, openings: w.openings, time: 4) }
        for w in workers { try client.reveal(key: w.key, task: task, result: nil, openings: w.openings, time: 5) }
        let payouts = try client.settle(task: task, time: 6).tx.body["payouts"]?.arrayValue ?? []
        #expect(try Auditor.verify(path: client.path).findings.isEmpty)
        _ = tmp
        return payouts
    }

    @Test func garbageIsNotPaid() throws {
        let payouts = try settle(agreeingOn: Array("not an evaluation".utf8))
        #expect(payouts.last?["clause"]?.stringValue == "payment-refund-unreadable-result")
        #expect(payouts.last?["amount"]?.intValue == 500)
    }

    @Test func anEvaluationOfTheWrongKIsNotPaid() throws {
        // Well-formed, all correct, but of 2 rows where the task publishes k = 3.
        let payouts = try settle(agreeingOn: Array(#"{"bits":"11","k":2,"rows":[0,1]}"#.utf8))
        #expect(payouts.last?["clause"]?.stringValue == "payment-refund-unreadable-result")
    }

    /// The rows the published coin selects (k = 3 of rows 0..<5).
    func coinRows() throws -> [Int] {
        try #require(EvalClassifier.selectedRows(params: .object(["k": 3, "rows": ["count": 5, "from": 0]]),
                                                 coin: Hex.decode(String(repeating: "ab", count: 32))!))
    }

    func evaluation(_ rows: [Int], bits: String = "101") -> [UInt8] {
        Array(#"{"bits":"\#(bits)","k":3,"rows":[\#(rows.map(String.init).joined(separator: ","))]}"#.utf8)
    }

    @Test func aWellFormedEvaluationOfKIsPaid() throws {
        let payouts = try settle(agreeingOn: evaluation(try coinRows()))
        #expect(payouts.last?["clause"]?.stringValue == "payment-precision-met")
        #expect(payouts.last?["amount"]?.intValue == 500)
    }

    @Test("an evaluation of rows the coin did not select, or outside the range, is refunded")
    func anEvaluationOfOtherRowsIsNotPaid() throws {
        let rows = try coinRows()
        let others = (0..<5).filter { !rows.contains($0) }
        for wrong in [[others[0], rows[1], rows[2]], [rows[1], rows[0], rows[2]], [rows[0], rows[1], 7]] {
            let payouts = try settle(agreeingOn: evaluation(wrong, bits: "111"))
            #expect(payouts.last?["clause"]?.stringValue == "payment-refund-wrong-rows", "rows \(wrong)")
            #expect(payouts.last?["amount"]?.intValue == 500)
        }
    }
}
