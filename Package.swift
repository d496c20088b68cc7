// swift-tools-version: 6.0
import PackageDescription

// Layers, lowest first; each target imports only the ones below it.
//   CBLAS, CMPI          system libraries (OpenBLAS, Open MPI) found through pkg-config
//   DDPTensor            Float32 tensors, reverse-mode autograd, kernels on BLAS
//   DDPNN                Module, layers, losses, initialisation, state dicts
//   DDPData              Dataset, DataLoader, DistributedSampler, built-in data and file readers
//   DDPOptim             optimizers, LR schedulers, gradient clipping (torch.optim semantics)
//   DDPDistributed       Communicator (MPI or local), gradient synchronisation
//   DDPTrainer           TrainingModule, Trainer, callbacks, logging, checkpoints
//   SwiftDDP             umbrella module: `import SwiftDDP` gives all of the above
//   DDPTasks             the built-in tasks of the command (training modules, their data)
//   swift-ddp            the command-line tool

let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "swift-ddp",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SwiftDDP", targets: ["SwiftDDP"]),
        .executable(name: "swift-ddp", targets: ["swift-ddp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(
            name: "CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"]), .brew(["open-mpi"])]),

        .target(name: "DDPTensor", dependencies: ["CBLAS"], swiftSettings: v5),
        .target(name: "DDPNN", dependencies: ["DDPTensor"], swiftSettings: v5),
        .target(
            name: "DDPData", dependencies: ["DDPTensor", "CZlib"],
            resources: [.copy("Resources/digits.csv.gz")], swiftSettings: v5),
        .target(name: "DDPOptim", dependencies: ["DDPTensor"], swiftSettings: v5),
        .target(name: "DDPDistributed", dependencies: ["DDPTensor", "CMPI"], swiftSettings: v5),
        .target(
            name: "DDPTrainer",
            dependencies: [
                "DDPTensor", "DDPNN", "DDPData", "DDPOptim", "DDPDistributed",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: v5),
        .target(
            name: "SwiftDDP",
            dependencies: ["DDPTensor", "DDPNN", "DDPData", "DDPOptim", "DDPDistributed", "DDPTrainer"],
            swiftSettings: v5),
        .target(name: "DDPTasks", dependencies: ["SwiftDDP", .product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: v5),
        // Programs that print speed and memory figures (`swift-ddp bench`), never timed tests.
        .target(
            name: "DDPBenchmarks",
            dependencies: ["DDPTensor", "DDPNN", "DDPData", "DDPOptim", "DDPDistributed", "DDPTrainer"],
            swiftSettings: v5),
        .executableTarget(
            name: "swift-ddp",
            dependencies: [
                "SwiftDDP",
                "DDPTasks",
                "DDPBenchmarks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: v5),
        // The examples of the optimization guide as training modules, run by the tests in one
        // process and under mpirun.
        .target(name: "OptimizationExamples", dependencies: ["SwiftDDP"], path: "Examples/OptimizationExamples",
                swiftSettings: v5),
        // Multi-rank scenarios that the distributed tests start under mpirun; not shipped.
        .executableTarget(
            name: "ddp-worker", dependencies: ["SwiftDDP", "OptimizationExamples", "DDPBenchmarks"], swiftSettings: v5),

        // Helpers shared by the test targets: gradient checks, comparisons, mpirun jobs.
        .target(name: "DDPTestSupport", dependencies: ["DDPTensor"], path: "Tests/Support", swiftSettings: v5),
        .testTarget(name: "TensorTests", dependencies: ["DDPTensor", "DDPTestSupport"], swiftSettings: v5),
        .testTarget(name: "NNTests", dependencies: ["DDPTensor", "DDPNN", "DDPData", "DDPTestSupport"], swiftSettings: v5),
        .testTarget(name: "DataTests", dependencies: ["DDPTensor", "DDPData", "DDPTestSupport"], swiftSettings: v5),
        .testTarget(
            name: "OptimTests", dependencies: ["DDPTensor", "DDPOptim", "DDPTestSupport"],
            exclude: ["Fixtures"], swiftSettings: v5),
        .testTarget(name: "DistributedTests", dependencies: ["SwiftDDP", "DDPTestSupport"], swiftSettings: v5),
        .testTarget(
            name: "TrainerTests", dependencies: ["SwiftDDP", "OptimizationExamples", "DDPTestSupport"], swiftSettings: v5),
        .testTarget(name: "TaskTests", dependencies: ["DDPTasks", "DDPTestSupport"], swiftSettings: v5),
        .testTarget(name: "CLITests", dependencies: ["SwiftDDP", "DDPTestSupport"], swiftSettings: v5),
    ]
)
