import CLibSSH2
import Foundation

/// The versions of the C libraries rollout runs on, read from the libraries loaded at run time
/// (not the headers it was built against), for `rollout --version` and bug reports.
public enum LibraryVersions {
    /// libssh2's version, e.g. `1.10.0`.
    public static var libssh2: String {
        libssh2_version(0).map { String(cString: $0) } ?? "unknown"
    }

    /// libcurl's version line (`libcurl/7.88.1 OpenSSL/3.0.15 …`), or why it could not be
    /// loaded. Loads libcurl, which other commands only do when they first send a request.
    public static var libcurl: String {
        guard let library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL) else {
            return "not loadable (\(dlerror().map { String(cString: $0) } ?? "dlopen failed"))"
        }
        typealias Version = @convention(c) () -> UnsafePointer<CChar>?
        guard let symbol = dlsym(library, "curl_version") else { return "unknown" }
        return unsafeBitCast(symbol, to: Version.self)().map { String(cString: $0) } ?? "unknown"
    }
}
