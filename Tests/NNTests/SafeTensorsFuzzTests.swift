import DDPNN
import DDPTensor
import DDPTestSupport
import Foundation
import Testing

/// Mutated checkpoints must be read or refused with a ``SafeTensorsError``, never crash:
/// every command that reads one (`inspect`, `validate`, `--resume`, `--init-from`) decodes it
/// here. `SWIFT_DDP_FUZZ_COUNT` raises the count (`Tests/fuzz/run-fuzz.sh`).
@Suite struct SafeTensorsFuzzTests {
    /// A small file of the kinds a checkpoint holds: F32 weights, an F64 tensor, metadata.
    static let valid: Data = {
        var g = RandomGenerator(seed: 0)
        let weight = Tensor.randn([3, 2], using: &g)
        return SafeTensorsFile(
            tensors: [("layer.weight", weight), ("layer.bias", Tensor([0.5, -1, 2], shape: [3])), ("step", Tensor([12], shape: [1]))],
            metadata: ["epoch": "3", "format": "pt"], float64Values: ["step": [12]]
        ).encoded()
    }()

    @Test func mutatedFilesAreReadOrRefused() throws {
        let count = fuzzInputCount(default: 3000)
        var mutator = ByteMutator(seed: 10)
        let original = [UInt8](Self.valid)
        var outcome = (read: 0, refused: 0)
        for index in 0..<count {
            do {
                _ = try SafeTensorsFile.decode(Data(mutator.mutated(original)), source: "fuzz.safetensors")
                outcome.read += 1
            } catch let error as SafeTensorsError {
                #expect(error.description.hasPrefix("fuzz.safetensors") && !error.description.contains("\n"), "input \(index): \(error)")
                outcome.refused += 1
            }
        }
        print("fuzz safetensors: \(count) inputs, \(outcome.read) read, \(outcome.refused) refused, 0 crashes")
        #expect(outcome.read > 0 && outcome.refused > 0)
    }

    /// A file whose header holds `entry` as its one tensor, with `dataBytes` of data.
    static func file(entry: String, dataBytes: Int) -> Data {
        var header = Array("{\"t\":\(entry)}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        return data + Data(header) + Data(count: dataBytes)
    }

    /// A header whose shape product overflows (`shape.reduce(1, *)` trapped).
    @Test func shapeWhoseProductOverflowsIsRefused() {
        let overflowing = Self.file(entry: #"{"dtype":"F32","shape":[32,9223372036854775807],"data_offsets":[0,8]}"#, dataBytes: 8)
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile.decode(overflowing, source: "c.safetensors") }
        #expect(error?.description == "c.safetensors entry 't' has shape [32, 9223372036854775807], too large for any file: corrupted")
        // Zero elements but an overflowing product of the rest: tensor code would trap on strides.
        let hiddenByZero = Self.file(entry: #"{"dtype":"F32","shape":[0,9223372036854775807,2],"data_offsets":[0,0]}"#, dataBytes: 0)
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile.decode(hiddenByZero, source: "c.safetensors") }
        // Bytes, not elements, overflow: 2^61 F64 values.
        let byteOverflow = Self.file(entry: #"{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}"#, dataBytes: 8)
        #expect(throws: SafeTensorsError.self) { try SafeTensorsFile.decode(byteOverflow, source: "c.safetensors") }
    }

    @Test func numbersThatAreNotWholeOrDoNotFitAreRefused() {
        for entry in [
            #"{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}"#,
            #"{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4]}"#,
            #"{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}"#,
            #"{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}"#,
            #"{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}"#,
        ] {
            #expect(throws: SafeTensorsError.self, "\(entry)") {
                try SafeTensorsFile.decode(Self.file(entry: entry, dataBytes: 4), source: "c.safetensors")
            }
        }
    }
}
