public import Foundation

/// A TCP proxy on 127.0.0.1 in front of `target`, that holds back every chunk the server sends
/// for `delay` while it is slowed (`slow()`, `resume()`): a link that stalls mid-command without
/// dropping. Order is kept, and nothing is lost. Stopped when released, or when the test process
/// goes away.
public final class DelayingTCPProxy: Sendable {
    public let port: Int
    private let server: LoopbackServerProcess
    private let flag: URL

    public init(to target: Int, delay: Duration) async throws {
        flag = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-slow-\(UUID().uuidString)")
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        server = try await LoopbackServerProcess(
            executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["python3", "-u", "-c", Self.script, String(target), flag.path, String(seconds)])
        port = server.port
    }

    deinit {
        try? FileManager.default.removeItem(at: flag)
    }

    /// From now on, what the server sends arrives `delay` late.
    public func slow() {
        FileManager.default.createFile(atPath: flag.path, contents: nil)
    }

    /// What the server sends from now on is passed on at once (after what is already held).
    public func resume() {
        try? FileManager.default.removeItem(at: flag)
    }

    private static let script = #"""
        import os, queue, socket, sys, threading, time
        from loopback import live_with_parent

        live_with_parent()
        target, flag, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])

        def pump(src, dst, delayed):
            held = queue.Queue()
            def deliver():
                while True:
                    at, data = held.get()
                    if at > time.monotonic():
                        time.sleep(at - time.monotonic())
                    try:
                        if data:
                            dst.sendall(data)
                        else:
                            dst.shutdown(socket.SHUT_WR)
                            return
                    except OSError:
                        return
            threading.Thread(target=deliver, daemon=True).start()
            while True:
                try:
                    data = src.recv(65536)
                except OSError:
                    data = b""
                held.put((time.monotonic() + (delay if delayed and os.path.exists(flag) else 0), data))
                if not data:
                    return

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        print(listener.getsockname()[1], flush=True)
        while True:
            client, _ = listener.accept()
            upstream = socket.create_connection(("127.0.0.1", target))
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=pump, args=(upstream, client, True), daemon=True).start()
        """#
}
