import Yams

/// Rewrites the floating-point numbers of a YAML document so that YAML 1.1 readers, PyYAML
/// among them, read them as numbers too.
///
/// Yams writes doubles in exponent form without a decimal point (`1e-3`, `9e-1`), which YAML 1.2
/// reads as numbers but YAML 1.1 reads as strings; PyTorch Lightning and most Python tools
/// read `hparams.yaml` with PyYAML, a YAML 1.1 reader. Here each such plain float becomes its
/// shortest exact decimal form (`0.001`, `0.9`), or, when an exponent remains, gets a decimal
/// point (`1.0e-05`), which both versions read as a float.
public enum PortableYAMLFloats {
    /// `yaml` with every plain float in a form both YAML 1.1 and 1.2 readers take as a float.
    public static func rewrite(_ yaml: String) throws -> String {
        guard let document = try Yams.compose(yaml: yaml) else { return yaml }
        return try Yams.serialize(node: rewritten(document))
    }

    private static func rewritten(_ node: Node) -> Node {
        switch node {
        case .scalar(var scalar):
            guard scalar.style == .plain || scalar.style == .any,
                node.tag.description == Tag.Name.float.rawValue,
                let value = Double(scalar.string), value.isFinite
            else { return node }
            scalar.string = portable(value)
            return .scalar(scalar)
        case .mapping(let mapping):
            return Node(mapping.map { (rewritten($0.key), rewritten($0.value)) }, mapping.tag, mapping.style)
        case .sequence(let sequence):
            return Node(sequence.map(rewritten), sequence.tag, sequence.style)
        case .alias:
            return node
        }
    }

    /// `0.001`, `2.5`, `1.0e-05`, `1.0e+16`: Swift's shortest round-trip form, with a decimal
    /// point before any exponent.
    static func portable(_ value: Double) -> String {
        let text = value.description
        guard let exponent = text.firstIndex(where: { $0 == "e" || $0 == "E" }), !text[..<exponent].contains(".") else {
            return text
        }
        return text[..<exponent] + ".0" + text[exponent...]
    }
}
