import DDPNN
import Foundation

/// Which trainer is fitting which module, so that a module's helpers (`log`, `optimizers()`,
/// `trainer`) reach it without the module storing anything. Keyed by identity; several
/// trainers may run at once on different threads (one per rank in thread-group tests).
enum ModuleAttachment {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var trainers: [ObjectIdentifier: Trainer] = [:]

    static func attach(_ module: Module, to trainer: Trainer) throws {
        lock.lock()
        defer { lock.unlock() }
        try TrainerError.require(trainers[ObjectIdentifier(module)] == nil,
            "\(type(of: module)) is already being fitted by another trainer: fit a module with one trainer at a time")
        trainers[ObjectIdentifier(module)] = trainer
    }

    static func detach(_ module: Module) {
        lock.lock()
        defer { lock.unlock() }
        trainers[ObjectIdentifier(module)] = nil
    }

    static func trainer(of module: Module) -> Trainer? {
        lock.lock()
        defer { lock.unlock() }
        return trainers[ObjectIdentifier(module)]
    }
}
