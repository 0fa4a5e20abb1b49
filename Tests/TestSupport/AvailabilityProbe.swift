import Foundation

/// Polls a set of health URLs together, every 20 ms, from a child process, and logs each round
/// (`<unix time> <status of each URL>`, 0 when nothing answered) to a file: the evidence of what
/// a load balancer in front of the hosts would have seen during a deploy.
public final class AvailabilityProbe: Sendable {
    public let log: String
    private let child: ChildProcess

    private static let script = #"""
        import sys, time, urllib.request
        urls = sys.argv[1:]
        while True:
            started = time.time()
            codes = []
            for url in urls:
                try:
                    with urllib.request.urlopen(url, timeout=0.5) as response:
                        codes.append(str(response.status))
                except urllib.error.HTTPError as error:
                    codes.append(str(error.code))
                except Exception:
                    codes.append("0")
            print("%.3f %s" % (started, " ".join(codes)), flush=True)
            time.sleep(0.02)
        """#

    /// Starts polling `urls`; the log goes to `log`.
    public init(urls: [String], log: String) throws {
        self.log = log
        let script = log + ".py"
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        child = try ChildProcess("/usr/bin/python3", [script] + urls, stdout: log, stderr: log + ".err")
    }

    /// Stops polling; each round's time and statuses.
    public func stop() -> [(time: Double, statuses: [Int])] {
        kill(child.pid, SIGKILL)
        _ = child.wait()
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let time = fields.first.flatMap({ Double($0) }) else { return nil }
            return (time, fields.dropFirst().compactMap { Int($0) })
        }
    }
}
