import Foundation

/// A POSIX ustar archive of a local directory, built in memory, to be unpacked on a host by
/// `tar -x` in the same round trip that carries it (stdin of one SSH command, instead of one SFTP
/// transfer per file).
///
/// Holds directories, regular files and symbolic links with their permission bits and mtimes;
/// owners are left out (the host's `tar --no-same-owner` gives the files to the deploying user).
struct TarArchive {
    /// The archive's bytes, end-of-archive blocks included.
    private(set) var bytes: [UInt8] = []
    /// Regular files archived, and their total size.
    private(set) var fileCount = 0
    private(set) var fileBytes = 0

    /// Why a directory cannot be archived.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Archives everything under `directory` (not the directory itself), in name order.
    init(directory: URL) throws(Failure) {
        try add(directory: directory, prefix: "")
        bytes += [UInt8](repeating: 0, count: 1024)
    }

    private mutating func add(directory: URL, prefix: String) throws(Failure) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        } catch {
            throw Failure(description: "cannot read the directory \(directory.path): \(error.localizedDescription)")
        }
        for name in names {
            let url = directory.appendingPathComponent(name)
            let path = prefix + name
            var info = stat()
            guard lstat(url.path, &info) == 0 else {
                throw Failure(description: "cannot read \(url.path): \(String(cString: strerror(errno)))")
            }
            let mode = Int(info.st_mode) & 0o7777
            let mtime = Int(info.st_mtim.tv_sec)
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                try header(path + "/", type: UInt8(ascii: "5"), mode: mode, size: 0, mtime: mtime)
                try add(directory: url, prefix: path + "/")
            case S_IFREG:
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    throw Failure(description: "cannot read \(url.path)")
                }
                try header(path, type: UInt8(ascii: "0"), mode: mode, size: data.count, mtime: mtime)
                bytes += data
                bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
                fileCount += 1
                fileBytes += data.count
            case S_IFLNK:
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? ""
                guard !target.isEmpty, target.utf8.count <= 100 else {
                    throw Failure(description: "cannot archive the symbolic link \(url.path) (unreadable, or its target is longer than 100 bytes)")
                }
                try header(path, type: UInt8(ascii: "2"), mode: mode, size: 0, mtime: mtime, linkName: target)
            default:
                throw Failure(description: "\(url.path) is neither a file, a directory nor a symbolic link")
            }
        }
    }

    /// One 512-byte ustar header. Paths longer than 100 bytes are split at a `/` into the
    /// 155-byte prefix field and the name.
    private mutating func header(_ path: String, type: UInt8, mode: Int, size: Int, mtime: Int, linkName: String = "") throws(Failure) {
        var block = [UInt8](repeating: 0, count: 512)
        let utf8 = Array(path.utf8)
        var name = utf8[...]
        var prefix: ArraySlice<UInt8> = []
        if utf8.count > 100 {
            let cuts = utf8.indices.filter { utf8[$0] == UInt8(ascii: "/") && $0 <= 155 && utf8.count - $0 - 1 <= 100 && $0 < utf8.count - 1 }
            guard let cut = cuts.first else {
                throw Failure(description: "the path \(path) is too long for a tar archive (at most 100 bytes after a directory of at most 155)")
            }
            prefix = utf8[..<cut]
            name = utf8[(cut + 1)...]
        }
        func put(_ field: some Collection<UInt8>, at offset: Int) {
            for (index, byte) in field.enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(name, at: 0)
        put(octal(mode, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        put(octal(size, width: 12), at: 124)
        put(octal(mtime, width: 12), at: 136)
        put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148)
        block[156] = type
        put(linkName.utf8, at: 157)
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put(prefix, at: 345)
        let checksum = block.reduce(0) { $0 + Int($1) }
        put(octal(checksum, width: 7) + [UInt8(ascii: " ")], at: 148)
        bytes += block
    }
}
