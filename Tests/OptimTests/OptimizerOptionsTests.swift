import DDPOptim
import DDPTensor
import Testing

/// Each optimizer's keyword initialiser and its `Options` repeat torch's defaults (Swift
/// cannot forward default arguments): they must agree, and write torch's dictionary.
@Suite struct OptimizerOptionsTests {
    static func parameter() -> Tensor { Tensor([1, 2], requiresGrad: true) }

    @Test func keywordDefaultsAreTheOptionsDefaults() throws {
        let w = Self.parameter()
        #expect(try SGD([w]).defaults == SGD.Options().hyperParameters)
        #expect(try Adam([w]).defaults == Adam.Options().hyperParameters)
        #expect(try RMSprop([w]).defaults == RMSprop.Options().hyperParameters)
        #expect(try Adagrad([w]).defaults == Adagrad.Options().hyperParameters)
        #expect(try Adadelta([w]).defaults == Adadelta.Options().hyperParameters)
        #expect(try Adamax([w]).defaults == Adamax.Options().hyperParameters)
        #expect(try NAdam([w]).defaults == NAdam.Options().hyperParameters)
        #expect(try RAdam([w]).defaults == RAdam.Options().hyperParameters)
        #expect(try LBFGS([w]).defaults == LBFGS.Options().hyperParameters)
        var adamW = Adam.Options(weightDecay: 1e-2)
        adamW.decoupledWeightDecay = true
        #expect(try AdamW([w]).defaults == adamW.hyperParameters)
    }

    @Test func optionsWriteTorchsKeysAndReadThemBack() throws {
        let options = Adam.Options(lr: 0.05, betas: (0.8, 0.99), amsgrad: true)
        #expect(options.hyperParameters == ["lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-8, "weight_decay": 0,
                                            "amsgrad": true, "maximize": false, "decoupled_weight_decay": false])
        let group = try Adam([Self.parameter()], options: options).paramGroups[0]
        #expect(Adam.Options(group).hyperParameters == options.hyperParameters)
        #expect(LBFGS.Options().hyperParameters["line_search_fn"] == .null)
        #expect(LBFGS.Options().maxEval == 25)
    }

    @Test func adamWAlwaysDecouplesItsWeightDecay() throws {
        let optimizer = try AdamW([Self.parameter()], options: Adam.Options(weightDecay: 0.1))
        #expect(optimizer.paramGroups[0].flag("decoupled_weight_decay"))
        #expect(optimizer.typeName == "AdamW")
    }
}
