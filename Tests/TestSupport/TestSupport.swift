public import Foundation

/// Root of the package checkout, for tests that need its files (fixtures, scripts, playbooks).
public let packageRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url
}()
