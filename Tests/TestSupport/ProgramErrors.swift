import Programs

/// The reason of the ProgramError `body` throws ("no error" when it throws none).
package func reason(_ body: () throws -> Any) -> String {
    do {
        _ = try body()
        return "no error"
    } catch let e as ProgramError {
        return e.reason
    } catch {
        return "unexpected error type: \(error)"
    }
}
