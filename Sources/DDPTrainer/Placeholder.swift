import DDPTensor
