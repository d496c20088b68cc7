/// Which optimizers and schedulers take each hyper-parameter option: an option given for
/// one that does not take it is refused with one line, never ignored.
extension OptimizerSettings {
    /// The optimizers each hyper-parameter applies to, by option name; `optimizer` and `lr`
    /// apply to all.
    public static let optimizersTaking: [String: [String]] = {
        let all = names
        return [
            "momentum": ["sgd", "rmsprop"], "dampening": ["sgd"], "nesterov": ["sgd"],
            "weight-decay": all.filter { $0 != "lbfgs" },
            "betas": ["adam", "adamw", "adamax", "nadam", "radam"],
            "eps": all.filter { !["sgd", "lbfgs"].contains($0) },
            "amsgrad": ["adam", "adamw"], "alpha": ["rmsprop"], "rho": ["adadelta"], "lr-decay": ["adagrad"],
            "max-iter": ["lbfgs"], "history-size": ["lbfgs"], "line-search": ["lbfgs"],
        ]
    }()

    /// Throws ``TaskError`` for the first hyper-parameter given that optimizer `name` does not take.
    func checkApplicable(to name: String) throws {
        for key in givenOptionKeys {
            guard let takers = Self.optimizersTaking[key], !takers.contains(name) else { continue }
            throw TaskError("--\(key) does not apply to \(name) (it is a hyper-parameter of \(takers.joined(separator: ", "))): leave it out, or choose one of those with --optimizer")
        }
    }
}

extension SchedulerSettings {
    /// The schedulers each parameter applies to, by option name; `scheduler` and
    /// `scheduler-interval` apply to all; `scheduler-frequency` to every scheduler, so it is
    /// refused without one.
    public static let schedulersTaking: [String: [String]] = [
        "scheduler-frequency": names.filter { $0 != "none" },
        "step-size": ["step"], "gamma": ["step", "multistep", "exponential"], "milestones": ["multistep"],
        "t-max": ["cosine"], "eta-min": ["cosine", "cosine-warm-restarts"], "t0": ["cosine-warm-restarts"],
        "t-mult": ["cosine-warm-restarts"], "max-lr": ["onecycle", "cyclic"], "base-lr": ["cyclic"],
        "pct-start": ["onecycle"], "total-steps": ["onecycle"], "step-size-up": ["cyclic"],
        "start-factor": ["linear"], "end-factor": ["linear"], "factor": ["constant", "plateau"],
        "total-iters": ["linear", "constant", "polynomial"], "power": ["polynomial"],
        "patience": ["plateau"], "threshold": ["plateau"], "cooldown": ["plateau"], "monitor": ["plateau"], "mode": ["plateau"],
    ]

    /// The parameters given besides the scheduler's name and interval.
    public var givenParameterKeys: [String] {
        givenOptionKeys.filter { Self.schedulersTaking[$0] != nil }
    }

    /// Throws ``TaskError`` for the first parameter given that scheduler `name` does not take.
    func checkApplicable(to name: String) throws {
        for key in givenParameterKeys {
            guard let takers = Self.schedulersTaking[key], !takers.contains(name) else { continue }
            let chosen = name == "none" ? "without a scheduler" : "to the \(name) scheduler"
            throw TaskError("--\(key) does not apply \(chosen) (it is a parameter of \(takers.joined(separator: ", "))): leave it out, or choose one of those with --scheduler")
        }
    }
}
