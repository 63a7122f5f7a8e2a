import CanonicalJSON
import FuzzFixtures

/// The strict JSON parser: never crashes; whatever it accepts re-encodes canonically, and the
/// canonical form parses back to the same value and is accepted by `parseCanonical` (which
/// accepts the input itself only when it is that form).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ pointer: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = pointer ?? (size == 0 ? UnsafePointer<UInt8>(bitPattern: 1) : nil) else { return 0 }
    Fixtures.writeSeedsIfAsked { Fixtures.lines[..<5].map { $0 } + [Array(#"{"a":[1,-2,"\u00e9\ud83d\ude00",true,null,{}],"b":"x"}"#.utf8)] }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSON.parse(bytes) else {
        if (try? JSON.parseCanonical(bytes)) != nil { fatalError("parseCanonical accepted what parse refused") }
        return 0
    }
    let canon = value.canonicalBytes
    guard let again = try? JSON.parseCanonical(canon) else { fatalError("the canonical form does not parse as canonical") }
    guard again.canonicalBytes == canon else { fatalError("canonical form not stable") }
    let acceptedAsIs = (try? JSON.parseCanonical(bytes)) != nil
    if acceptedAsIs != (canon == bytes) { fatalError("parseCanonical disagrees with the encoder") }
    return 0
}

@_cdecl("fuzz_json_main")
public func fuzzJSONMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzJSON)
}
