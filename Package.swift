// swift-tools-version: 6.0
import PackageDescription

// Layers, lowest first; each target imports only the ones below it.
//   CBLAS, CMPI          system libraries (OpenBLAS, Open MPI) found through pkg-config
//   DDPTensor            Float32 tensors, reverse-mode autograd, kernels on BLAS
//   DDPNN                Module, layers, losses, initialisation, state dicts
//   DDPData              Dataset, DataLoader, DistributedSampler, built-in data and file readers
//   CVectorKernels       optimizer element loops in C, chosen per instruction set at run time
//   DDPOptim             optimizers, LR schedulers, gradient clipping (torch.optim semantics)
//   DDPDistributed       Communicator (MPI or local), gradient synchronisation
//   DDPTrainer           TrainingModule, Trainer, callbacks, logging, checkpoints
//   SwiftDDP             umbrella module: `import SwiftDDP` gives all of the above
//   DDPTasks             the built-in tasks of the command (training modules, their data)
//   swift-ddp            the command-line tool

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
        // glibc's <malloc.h> (mallinfo2, malloc_trim), which Swift's Glibc module leaves out.
        .systemLibrary(name: "CMalloc"),

        .target(name: "DDPTensor", dependencies: ["CBLAS"]),
        .target(name: "DDPNN", dependencies: ["DDPTensor"]),
        .target(
            name: "DDPData", dependencies: ["DDPTensor", "CZlib"],
            resources: [.copy("Resources/digits.csv.gz"), .copy("Resources/DIGITS-LICENSE.md")]),
        // The optimizers' element loops in C, compiled for the baseline and for AVX2.
        .target(name: "CVectorKernels"),
        .target(name: "DDPOptim", dependencies: ["DDPTensor", "CVectorKernels"]),
        .target(name: "DDPDistributed", dependencies: ["DDPTensor", "CMPI"]),
        .target(
            name: "DDPTrainer",
            dependencies: [
                "DDPTensor", "DDPNN", "DDPData", "DDPOptim", "DDPDistributed",
                .product(name: "Yams", package: "Yams"),
            ]),
        .target(
            name: "SwiftDDP",
            dependencies: ["DDPTensor", "DDPNN", "DDPData", "DDPOptim", "DDPDistributed", "DDPTrainer"]),
        .target(name: "DDPTasks", dependencies: ["SwiftDDP", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Programs that print speed and memory figures (`swift-ddp bench`), never timed tests.
        .target(
            name: "DDPBenchmarks",
            dependencies: [
                "CBLAS", "CMPI", "CMalloc", "DDPTensor", "DDPNN", "DDPData", "DDPOptim", "DDPDistributed", "DDPTrainer",
            ]),
        .executableTarget(
            name: "swift-ddp",
            dependencies: [
                "SwiftDDP",
                "DDPTasks",
                "DDPBenchmarks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]),
        // The examples of the optimization guide as training modules, run by the tests in one
        // process and under mpirun.
        .target(name: "OptimizationExamples", dependencies: ["SwiftDDP"], path: "Examples/OptimizationExamples"),
        // Multi-rank scenarios that the distributed tests start under mpirun; not shipped.
        .executableTarget(
            name: "ddp-worker",
            dependencies: [
                "SwiftDDP", "OptimizationExamples", "DDPBenchmarks", "DDPTestModels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Helpers shared by the test targets: gradient checks, comparisons, mpirun jobs.
        .target(name: "DDPTestSupport", dependencies: ["DDPTensor"], path: "Tests/Support"),
        // Training modules shared by the tests and ddp-worker.
        .target(name: "DDPTestModels", dependencies: ["SwiftDDP"], path: "Tests/Models"),
        .testTarget(name: "TensorTests", dependencies: ["DDPTensor", "DDPTestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["DDPTensor", "DDPNN", "DDPData", "DDPTestSupport"]),
        .testTarget(name: "DataTests", dependencies: ["DDPTensor", "DDPData", "DDPTestSupport"]),
        .testTarget(
            name: "OptimTests", dependencies: ["DDPTensor", "DDPOptim", "DDPBenchmarks", "DDPTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "DistributedTests", dependencies: ["SwiftDDP", "DDPTestSupport"]),
        .testTarget(
            name: "TrainerTests", dependencies: ["SwiftDDP", "OptimizationExamples", "DDPTestModels", "DDPTestSupport"]),
        .testTarget(name: "TaskTests", dependencies: ["DDPTasks", "DDPTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["SwiftDDP", "DDPTasks", "DDPTestSupport"]),
    ]
)
