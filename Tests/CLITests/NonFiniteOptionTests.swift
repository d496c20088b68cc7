import DDPTestSupport
import Foundation
import Testing

/// nan and infinite numbers: every floating option refuses them with one line,
/// where they crashed with a backtrace when the configuration was encoded.
extension BadInputTests {
    @Test(arguments: [
        ["--lr=nan"], ["--lr=inf"], ["--lr=1e400"], ["--momentum=nan"], ["--val-split=nan"],
        ["--gradient-clip-val=inf"], ["--lr=-inf"], ["--weight-decay", "nan"], ["--betas=0.9,nan"],
        ["--task", "cyclegan", "--lr-g-a=inf"], ["--scheduler", "onecycle", "--max-lr=1e309"],
    ])
    func aNonFiniteNumberIsRefused(arguments: [String]) throws {
        let option = arguments.last!.split(separator: "=").first.map(String.init)!
        let key = option.hasPrefix("--") ? option : arguments[arguments.count - 2]
        let line = try expectOneLineError(arguments, containing: [key, "finite number"])
        #expect(!line.contains("Fatal error"))
    }

    @Test func aNonFiniteNumberIsRefusedOnEveryRank() throws {
        try expectOneLineError(["--lr=nan"], ranks: 2, containing: ["--lr takes a finite number, got nan"])
        try expectOneLineError(["--gradient-clip-val=inf"], ranks: 2, containing: ["--gradient-clip-val", "got inf"])
    }

    @Test func anOverflowingNumberSaysItBecameInfinite() throws {
        try expectOneLineError(["--lr=1e400"], containing: ["--lr takes a finite number, got inf", "overflow to inf"])
    }

    @Test func validateRefusesANonFiniteNumberBeforeReadingTheCheckpoint() throws {
        try expectOneLineError(["validate", "--checkpoint", "/nonexistent.safetensors", "--momentum=nan"],
                               containing: ["--momentum takes a finite number, got nan"])
    }

    @Test(arguments: [("lr: .nan", "1:5:", "'lr'"), ("lr: .inf", "1:5:", "'lr'"), ("momentum: -.inf", "1:11:", "'momentum'"),
                      ("max-epochs: 2\nlr: 1e400", "2:5:", "'lr'"), ("betas: [0.9, .nan]", "1:8:", "'betas' takes finite numbers")])
    func aNonFiniteNumberInTheFileGivesItsLineAndColumn(yaml: String, position: String, key: String) throws {
        let path = try file("run.yaml", yaml + "\n")
        try expectOneLineError(["--config", path], containing: [path + ":" + position, key, "finite"])
    }

    @Test func aNonFiniteNumberInTheFileIsRefusedOnEveryRank() throws {
        let path = try file("run.yaml", "lr: .nan\n")
        try expectOneLineError(["--config", path], ranks: 2, containing: [path + ":1:5:", "'lr' takes a finite number"])
    }
}
