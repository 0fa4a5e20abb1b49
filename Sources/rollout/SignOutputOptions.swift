import ArgumentParser
import Foundation
import RolloutKit

/// How `rollout sign` prints a callback.
enum SignOutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// A raw HTTP/1.1 request.
    case http
    /// `{"method","url","headers","body"}`.
    case json
    /// A runnable curl command.
    case curl
}

/// Options shared by `rollout sign paytr` and `rollout sign stripe`: print the callback, or send it.
struct SignOutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("How to print the signed request: http (a raw HTTP request), json, or curl.", valueName: "format"))
    var format: SignOutputFormat = .http

    @Option(help: ArgumentHelp("The endpoint written into the printed request (ignored with --send).", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("POST the callback to this URL instead of printing it; prints the status, time and body.", valueName: "url"))
    var send: String?

    @Option(help: ArgumentHelp("With --send: exit 1 unless the response has this status.", valueName: "status"))
    var expect: Int?

    @Option(help: ArgumentHelp("With --send: seconds to wait for the response.", valueName: "seconds"))
    var timeout: Int = 10

    func validate() throws {
        if send == nil, expect != nil { throw SignFailure.invalidInput("--expect needs --send URL").reported() }
        if timeout <= 0 { throw SignFailure.invalidInput("--timeout must be a positive number of seconds").reported() }
    }

    /// Prints `callback` to stdout, or sends it and checks the response.
    func deliver(_ callback: SignedCallback, expectBody: String? = nil) async throws(SignFailure) {
        guard let target = send else {
            FileHandle.standardOutput.write(Data(callback.rendered(format)))
            return
        }
        let response: HTTPResponse
        do {
            response = try await HTTPClient().send(callback.request(to: target, timeout: .seconds(timeout)))
        } catch {
            switch error {
            case .invalidURL: throw .invalidInput(error.description)
            default: throw .cannotConnect(error.description)
            }
        }
        let time = String(format: "%.1f ms", response.timings.total.milliseconds)
        FileHandle.standardOutput.write(Data("HTTP \(response.status) in \(time)\n".utf8) + response.body + Data("\n".utf8))
        if let expect, response.status != expect {
            throw .expectationFailed("\(target) answered \(response.status), expected \(expect)")
        }
        if let expectBody, response.bodyText != expectBody {
            throw .expectationFailed("\(target) answered a body other than `\(expectBody)` (PayTR retries until it gets exactly that)")
        }
    }
}
