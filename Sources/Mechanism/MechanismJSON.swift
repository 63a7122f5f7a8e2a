public import CanonicalJSON

extension MechanismReport {
    /// The report as canonical JSON, field names as keys (docs/PROTOCOL.md explains every field).
    public var json: JSON { Reflected.json(self) }
}

/// Turns the report's plain data (structs of Int64, String, Bool, String-backed enums and arrays)
/// into canonical JSON, field names as keys.
enum Reflected {
    static func json(_ value: Any) -> JSON {
        switch value {
        case let v as Int64: return .int(v)
        case let v as Int: return .int(Int64(v))
        case let v as Bool: return .bool(v)
        case let v as String: return .string(v)
        case let v as any RawRepresentable:
            if let s = v.rawValue as? String { return .string(s) }
            return .string("\(v.rawValue)")
        default: break
        }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .collection {
            return .array(mirror.children.map { json($0.value) })
        }
        var o = JSONObject()
        for child in mirror.children {
            guard let label = child.label else { continue }
            o[label] = json(child.value)
        }
        return .object(o)
    }
}
