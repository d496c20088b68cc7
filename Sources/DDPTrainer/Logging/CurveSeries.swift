/// The finite values logged under one metric name, against the global step.
///
/// Memory stays bounded over any run: past `keptLimit` points, the series thins itself to
/// half that, keeping each run's low and high point as drawing does.
struct CurveSeries {
    let name: String
    /// The most points kept; far more than a picture draws, so thinning never shows.
    let keptLimit: Int
    private(set) var steps: [Double] = []
    private(set) var values: [Double] = []
    /// Values left out because they were NaN or infinite, which a line cannot show.
    private(set) var nonFiniteCount = 0

    init(name: String, keptLimit: Int) {
        precondition(keptLimit >= 4, "a series keeps at least 4 points")
        self.name = name
        self.keptLimit = keptLimit
    }

    mutating func append(step: Int, value: Double) {
        guard value.isFinite else {
            nonFiniteCount += 1
            return
        }
        steps.append(Double(step))
        values.append(value)
        if steps.count > keptLimit {
            let kept = downsampled(limit: keptLimit / 2)
            steps = kept.map(\.step)
            values = kept.map(\.value)
        }
    }

    /// At most `limit` points that draw the same picture: beyond the limit, the points are cut
    /// into `limit / 2` runs and each run keeps its lowest and highest point, in step order, so
    /// that spikes survive.
    func downsampled(limit: Int) -> [(step: Double, value: Double)] {
        let count = steps.count
        guard count > limit, limit >= 2 else { return (0..<count).map { (steps[$0], values[$0]) } }
        let runs = limit / 2
        var points: [(step: Double, value: Double)] = []
        points.reserveCapacity(limit)
        for run in 0..<runs {
            let start = run * count / runs, end = (run + 1) * count / runs
            guard start < end else { continue }
            var lowest = start, highest = start
            for index in start..<end {
                if values[index] < values[lowest] { lowest = index }
                if values[index] > values[highest] { highest = index }
            }
            for index in Set([lowest, highest]).sorted() {
                points.append((steps[index], values[index]))
            }
        }
        return points
    }
}
