import ArgumentParser

/// `rollout sign`: signed PayTR and Stripe test callbacks, made offline.
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Print or send a signed PayTR or Stripe test callback.",
        discussion: """
            Builds the notification a payment provider would POST to your callback endpoint, signed \
            with your own test secret, so you can prove that a deployed endpoint accepts a valid \
            signature and rejects a forged one. Secrets are read from an environment variable or a \
            file, never from the command line (argv is visible to every user in `ps`).

            Examples:
              export PAYTR_MERCHANT_KEY=… PAYTR_MERCHANT_SALT=…
              export URL=http://127.0.0.1:8080/billing/callback
              rollout sign paytr --amount 2970.00 --format curl
              rollout sign paytr --send $URL --expect 200 --expect-body OK
              rollout sign paytr --tamper --send $URL --expect 400

              export STRIPE_WEBHOOK_SECRET=whsec_…
              export HOOK=http://127.0.0.1:8000/webhooks/stripe
              rollout sign stripe --event charge.refunded --format json
              rollout sign stripe --stale 600 --send $HOOK --expect 400

            Exit codes: 0 done (and --expect met) · 1 the endpoint answered otherwise than --expect · \
            2 invalid input, nothing sent · 5 could not connect.
            """,
        subcommands: [SignPayTRCommand.self, SignStripeCommand.self]
    )
}
