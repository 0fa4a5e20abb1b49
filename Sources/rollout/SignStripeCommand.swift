import ArgumentParser
import BillingCore
import Foundation
import RolloutKit

/// `rollout sign stripe`: a Stripe webhook event with a `Stripe-Signature` header.
struct SignStripeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stripe",
        abstract: "Print or send a signed Stripe webhook event.",
        discussion: """
            A realistic event envelope of the chosen type, serialised once (compact JSON, stable key \
            order) and signed over exactly those bytes: Stripe-Signature: t=<unix>,v1=hex(HMAC-SHA256( \
            secret, "<t>." + body)). The endpoint secret is used verbatim, whsec_ prefix included; it \
            comes from --secret-env (default STRIPE_WEBHOOK_SECRET) or --secret-file.

            Event types: \(StripeEventType.allCases.map(\.rawValue).joined(separator: ", ")).

            --set path=value changes one field (repeatable). Paths are relative to the event's \
            object, data.object: amount, metadata.booking_id, items.data.0.quantity; $. starts at the \
            envelope: $.livemode, $.request.id (a path written from the envelope, data.object.amount, \
            works too). A callback step's fields: read paths the same way. Values are typed as they \
            read: 2000 is a number, true/false booleans, null null, "42" (with quotes) or any other \
            text a string, and {…}/[…] JSON. Values under metadata are always strings, as Stripe \
            sends them. Replacing an id (id, customer, parent.subscription_details.subscription) \
            replaces it wherever the event refers to it.

            --api-version shapes the object as an endpoint pinned to that version receives it: \
            before 2025-03-31.basil an invoice names its subscription in invoice.subscription, from \
            basil on in invoice.parent.subscription_details.subscription (docs/signing.md lists \
            every field that moved). Default: \(StripeEvent.defaultAPIVersion), the newest modelled.

            Examples:
              rollout sign stripe --event payment_intent.succeeded \\
                  --amount 2000 --currency usd --set metadata.booking_id=42
              rollout sign stripe --event invoice.payment_succeeded \\
                  --api-version 2024-06-20 --seed 7 --format json
              rollout sign stripe --secret-file ~/.config/mentor/whsec \\
                  --send http://127.0.0.1:8000/webhooks/stripe --expect 200
              export HOOK=http://127.0.0.1:8000/webhooks/stripe
              rollout sign stripe --wrong-secret --send $HOOK --expect 400
              rollout sign stripe --stale 600 --format curl
            """
    )

    @Option(
        name: .customLong("secret-env"),
        help: ArgumentHelp("Environment variable holding the endpoint secret (default STRIPE_WEBHOOK_SECRET).", valueName: "name"))
    var secretEnvironment: String?

    @Option(
        name: .customLong("secret-file"), help: ArgumentHelp("File holding the endpoint secret; a trailing newline is ignored.", valueName: "path"))
    var secretFile: String?

    @Option(
        name: .customLong("previous-secret-env"),
        help: ArgumentHelp(
            "Also sign with the secret being rolled out of service, read from this variable: the header then carries two v1 signatures, as Stripe sends during a secret rotation.",
            valueName: "name"))
    var previousSecretEnvironment: String?

    @Option(name: .customLong("previous-secret-file"), help: ArgumentHelp("Like --previous-secret-env, from a file.", valueName: "path"))
    var previousSecretFile: String?

    @Option(name: .customLong("secret"), help: .hidden)
    var refusedSecret: String?

    @Option(name: .customLong("webhook-secret"), help: .hidden)
    var refusedWebhookSecret: String?

    @Option(name: .customLong("key"), help: .hidden)
    var refusedKey: String?

    @Option(help: ArgumentHelp("Event type, e.g. payment_intent.succeeded, charge.refunded, customer.subscription.updated.", valueName: "type"))
    var event: String = StripeEventType.paymentIntentSucceeded.rawValue

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Change a field of data.object: path=value, e.g. metadata.booking_id=42; $.path for the envelope (repeatable).", valueName: "path=value"))
    var assignments: [String] = []

    @Option(
        help: ArgumentHelp(
            "api_version of the event, and the shape of its object; match the endpoint's pinned version (some SDKs reject another release train).",
            valueName: "version"))
    var apiVersion: String = StripeEvent.defaultAPIVersion.description

    @Option(
        help: ArgumentHelp(
            "Amount in minor units as Stripe writes amounts (4900 for 49.00; unlike sign paytr), everywhere the object carries the charged amount.",
            valueName: "n"))
    var amount: Int64?

    @Option(help: ArgumentHelp("Currency code, e.g. usd, everywhere the object carries it.", valueName: "code"))
    var currency: String?

    @Option(help: ArgumentHelp("Signature time t in unix seconds (default: now).", valueName: "unix"))
    var timestamp: Int64?

    @Option(help: ArgumentHelp("Sign as if sent this many seconds ago; beyond 300 the endpoint must reject it.", valueName: "seconds"))
    var stale: Int64?

    @Option(help: ArgumentHelp("Seed for the event's ids (evt_…, pi_…), so that runs repeat exactly.", valueName: "n"))
    var seed: UInt64?

    @Flag(help: "Sign a pretty-printed body (two-space indent) instead of compact JSON.")
    var pretty = false

    @Flag(help: "Change the body (the amount, +1) after signing: a forged event the endpoint must reject.")
    var tamper = false

    @Flag(help: "Sign with a secret other than the endpoint's: the endpoint must reject it.")
    var wrongSecret = false

    @OptionGroup var output: SignOutputOptions

    func validate() throws {
        for (option, value) in [("--secret", refusedSecret), ("--webhook-secret", refusedWebhookSecret), ("--key", refusedKey)] where value != nil {
            throw SignFailure.invalidInput(
                "\(option) would put the Stripe webhook secret on the command line, where `ps` and shell history show it to other users; use --secret-env NAME or --secret-file PATH"
            ).reported()
        }
        if timestamp != nil, stale != nil { throw SignFailure.invalidInput("give --timestamp or --stale, not both").reported() }
        if let stale, stale < 0 { throw SignFailure.invalidInput("--stale must be a number of seconds in the past (0 or more)").reported() }
        if let amount, amount < 0 { throw SignFailure.invalidInput("--amount must be 0 or more minor units (4900 for 49.00)").reported() }
        if let currency, !StripeEvent.isCurrencyCode(currency) {
            throw SignFailure.invalidInput("--currency must be a three-letter code such as usd or try, found `\(currency)`").reported()
        }
    }

    func run() async throws {
        try await reportingFailures {
            let callback = try makeCallback()
            try await output.deliver(callback)
        }
    }

    private func makeCallback() throws(SignFailure) -> SignedCallback {
        guard let type = StripeEventType(rawValue: event) else {
            throw .invalidInput("unknown event type `\(event)`; known types: \(StripeEventType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let version: StripeAPIVersion
        do { version = try StripeAPIVersion(parsing: apiVersion) } catch { throw .invalidInput("--api-version \(error.description)") }
        var overrides: [JSONOverride] = []
        for assignment in assignments {
            do { overrides.append(try JSONOverride(parsing: assignment)) } catch { throw .invalidInput(error.description) }
        }
        let secret = try SecretSource(
            label: "Stripe webhook secret", option: "--secret", environmentName: secretEnvironment, filePath: secretFile,
            defaultEnvironmentName: "STRIPE_WEBHOOK_SECRET"
        ).resolve()
        var secrets = [secret]
        if previousSecretEnvironment != nil || previousSecretFile != nil {
            secrets.insert(
                try SecretSource(
                    label: "previous Stripe webhook secret", option: "--previous-secret", environmentName: previousSecretEnvironment,
                    filePath: previousSecretFile, defaultEnvironmentName: ""
                ).resolve(), at: 0)
        }
        let now = Int64(Date().timeIntervalSince1970)
        let signedAt = timestamp ?? (now - (stale ?? 0))
        let stripeEvent: StripeEvent
        do {
            // The event is created just before it is signed, as Stripe does.
            stripeEvent = try StripeEvent(
                type: type, apiVersion: version, created: signedAt - 1, seed: seed, amount: amount,
                currency: currency, overrides: overrides)
        } catch {
            throw .invalidInput(error.description)
        }
        let signed = StripeTestCallback(
            event: stripeEvent, secrets: secrets, timestamp: signedAt, layout: pretty ? .pretty : .compact,
            tampered: tamper, wrongSecret: wrongSecret
        ).signed()
        return SignedCallback(url: output.send ?? output.url ?? "http://127.0.0.1:8000/webhooks/stripe", signed: signed)
    }
}
