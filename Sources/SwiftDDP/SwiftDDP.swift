// `import SwiftDDP` brings in every layer of the library.
@_exported import DDPTensor
@_exported import DDPNN
@_exported import DDPData
@_exported import DDPOptim
@_exported import DDPDistributed
@_exported import DDPTrainer
