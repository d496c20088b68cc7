import DDPTensor

/// Times a ``StepWorkload`` in rounds of steps. With a ``PyTorchReference`` the rounds of ours
/// and PyTorch's alternate, so that a change in the machine's load hits both sides alike;
/// the figure is the median of the per-round ratios (PyTorch's step time / ours, that is our
/// steps/s against theirs). Without one, the step is compared with the sgemm time inside it.
public enum StepBenchmark {
    public static func result(
        _ workload: StepWorkload, steps: Int, rounds: Int, pytorch: PyTorchReference?
    ) throws -> BenchmarkResult {
        let trainStep = try workload.makeStep()
        let stepsPerRound = workload.stepsPerRound(steps: steps)
        var ours: [Double] = [], gemm: [Double] = [], theirs: [Double] = []
        for _ in 0..<rounds {
            let profile = BLAS.Profile()
            let started = MonotonicClock.seconds()
            try profile.measure { for _ in 0..<stepsPerRound { try trainStep() } }
            ours.append((MonotonicClock.seconds() - started) / Double(stepsPerRound))
            gemm.append(profile.seconds / Double(stepsPerRound))
            if let pytorch {
                theirs.append(try pytorch.seconds(workload.name, steps: stepsPerRound) / Double(stepsPerRound))
            }
        }
        let step = Measurement.median(ours), gemmStep = Measurement.median(gemm)
        let overGemm = zip(ours, gemm).map { $0 / $1 }
        let summary = "\(workload.summary), \(BLAS.threadCount) BLAS thread(s), \(stepsPerRound) steps a round"
        var details: [(key: String, value: Double)] = [("sgemm_ms", gemmStep * 1000), ("sgemm_share", gemmStep / step)]
        guard let pytorch else {
            return BenchmarkResult(
                name: workload.name, summary: summary, medianMilliseconds: step * 1000,
                samplesPerSecond: Double(workload.batchSize) / step, reference: "the sgemm time inside the same steps",
                referenceMilliseconds: gemmStep * 1000, pairedRatios: overGemm, goal: workload.gemmGoal, details: details)
        }
        if workload.gemmGoal != nil { details.append(("step_over_sgemm", Measurement.median(overGemm))) }
        let theirStep = Measurement.median(theirs)
        return BenchmarkResult(
            name: workload.name, summary: summary, medianMilliseconds: step * 1000,
            samplesPerSecond: Double(workload.batchSize) / step, reference: pytorch.description,
            referenceMilliseconds: theirStep * 1000, referenceSamplesPerSecond: Double(workload.batchSize) / theirStep,
            pairedRatios: zip(theirs, ours).map { $0 / $1 }, goal: workload.pytorchGoal, details: details)
    }
}
