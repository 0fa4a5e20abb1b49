import ArgumentParser
import BillingCore
import Foundation
import RolloutKit

/// `rollout sign paytr`: a PayTR notification (iFrame API STEP 2) signed with the store's key and salt.
struct SignPayTRCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paytr",
        abstract: "Print or send a signed PayTR payment notification (callback).",
        discussion: """
            The form PayTR POSTs to the store's Notification URL: merchant_oid, status, total_amount, \
            payment_type, currency, test_mode and hash = Base64(HMAC-SHA256(key, merchant_oid + salt + \
            status + total_amount)), urlencoded. Key and salt come from --key-env/--salt-env (default \
            PAYTR_MERCHANT_KEY and PAYTR_MERCHANT_SALT) or --key-file/--salt-file.

            Examples:
              rollout sign paytr --amount 2970.00 --merchant-oid SMK20260101A1
              rollout sign paytr --key-file ~/.config/shop/paytr_key \\
                  --salt-env SHOP_SALT --format curl
              rollout sign paytr --status failed --reason-code 2 \\
                  --send http://127.0.0.1:8080/billing/callback \\
                  --expect 200 --expect-body OK
              export URL=http://127.0.0.1:8080/billing/callback
              rollout sign paytr --tamper --send $URL --expect 400
              rollout sign paytr --wrong-secret --send $URL --expect 400
              rollout sign paytr --callback-id CB20260101 --merchant-id 100001
            """
    )

    @Option(
        name: .customLong("key-env"), help: ArgumentHelp("Environment variable holding merchant_key (default PAYTR_MERCHANT_KEY).", valueName: "name")
    )
    var keyEnvironment: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp("File holding merchant_key; a trailing newline is ignored.", valueName: "path"))
    var keyFile: String?

    @Option(
        name: .customLong("salt-env"),
        help: ArgumentHelp("Environment variable holding merchant_salt (default PAYTR_MERCHANT_SALT).", valueName: "name"))
    var saltEnvironment: String?

    @Option(name: .customLong("salt-file"), help: ArgumentHelp("File holding merchant_salt; a trailing newline is ignored.", valueName: "path"))
    var saltFile: String?

    @Option(name: .customLong("key"), help: .hidden)
    var refusedKey: String?

    @Option(name: .customLong("salt"), help: .hidden)
    var refusedSalt: String?

    @Option(name: .customLong("merchant-key"), help: .hidden)
    var refusedMerchantKey: String?

    @Option(name: .customLong("merchant-salt"), help: .hidden)
    var refusedMerchantSalt: String?

    @Option(help: ArgumentHelp("Order id: 1-64 ASCII letters and digits (default: a new one, e.g. RO7fK2…).", valueName: "oid"))
    var merchantOid: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Amount in major units, as a decimal: 2970.00 or 2970 (sent as kuruş, 297000).", valueName: "amount"))
    var amount: String = "100.00"

    @Option(help: ArgumentHelp("Currency: TL (or TRY), USD, EUR, GBP, RUB.", valueName: "code"))
    var currency: String = "TL"

    @Option(help: ArgumentHelp("Payment result: success or failed (failed sends total_amount 0).", valueName: "status"))
    var status: String = "success"

    @Option(help: ArgumentHelp("With --status failed: failed_reason_code, e.g. 0 declined, 2 wrong SMS code, 6 abandoned.", valueName: "code"))
    var reasonCode: String = "0"

    @Option(help: ArgumentHelp("With --status failed: failed_reason_msg (default: the message PayTR's table gives for the code).", valueName: "text"))
    var reasonMsg: String?

    @Option(help: ArgumentHelp("payment_type: card or eft.", valueName: "type"))
    var paymentType: String = "card"

    @Option(help: ArgumentHelp("test_mode field: 1 (a test transaction) or 0.", valueName: "0|1"))
    var testMode: Int = 1

    @Option(help: ArgumentHelp("Link API callback: callback_id, signed first in the hash; needs --merchant-id.", valueName: "id"))
    var callbackId: String?

    @Option(help: ArgumentHelp("Store number, sent as merchant_id with Link API callbacks.", valueName: "id"))
    var merchantId: String?

    @Option(help: ArgumentHelp("Seed for the generated merchant_oid, so that runs repeat exactly.", valueName: "n"))
    var seed: UInt64?

    @Flag(help: "Change total_amount (+1 kuruş) after signing: a forged callback the endpoint must reject.")
    var tamper = false

    @Flag(help: "Sign with a key other than the store's: the endpoint must reject it.")
    var wrongSecret = false

    @Option(help: ArgumentHelp("With --send: exit 1 unless the response body is exactly this (PayTR needs `OK`).", valueName: "text"))
    var expectBody: String?

    @OptionGroup var output: SignOutputOptions

    func validate() throws {
        for (option, value) in [("--key", refusedKey), ("--merchant-key", refusedMerchantKey)] where value != nil {
            throw SignFailure.invalidInput(
                "\(option) would put the PayTR merchant key on the command line, where `ps` and shell history show it to other users; use --key-env NAME or --key-file PATH"
            ).reported()
        }
        for (option, value) in [("--salt", refusedSalt), ("--merchant-salt", refusedMerchantSalt)] where value != nil {
            throw SignFailure.invalidInput(
                "\(option) would put the PayTR merchant salt on the command line, where `ps` and shell history show it to other users; use --salt-env NAME or --salt-file PATH"
            ).reported()
        }
        if expectBody != nil, output.send == nil { throw SignFailure.invalidInput("--expect-body needs --send URL").reported() }
    }

    func run() async throws {
        try await reportingFailures {
            let callback = try makeCallback()
            try await output.deliver(callback, expectBody: expectBody)
        }
    }

    private func makeCallback() throws(SignFailure) -> SignedCallback {
        guard let currency = PayTRCurrency(code: currency) else {
            throw .invalidInput("unknown currency `\(currency)`; use one of TL, TRY, USD, EUR, GBP, RUB")
        }
        guard let status = PayTRCallback.Status(rawValue: status) else {
            throw .invalidInput("unknown --status `\(status)`; use success or failed")
        }
        guard let paymentType = PayTRCallback.PaymentType(rawValue: paymentType) else {
            throw .invalidInput("unknown --payment-type `\(paymentType)`; use card or eft")
        }
        guard testMode == 0 || testMode == 1 else { throw .invalidInput("--test-mode must be 0 or 1") }
        if callbackId != nil, merchantId == nil { throw .invalidInput("--callback-id (a Link API callback) needs --merchant-id") }
        let kurus: Int64
        do {
            kurus = try Money(parsing: amount, currency: currency.currency).minorUnits
        } catch {
            throw .invalidInput(error.description)
        }
        let oid: PayTRMerchantOID
        do {
            if let merchantOid {
                oid = try PayTRMerchantOID(merchantOid)
            } else {
                oid = try PayTRMerchantOID.generate(seed: seed)
            }
        } catch {
            throw .invalidInput(error.description)
        }
        let key = try SecretSource(
            label: "PayTR merchant key", option: "--key", environmentName: keyEnvironment, filePath: keyFile,
            defaultEnvironmentName: "PAYTR_MERCHANT_KEY"
        ).resolve()
        let salt = try SecretSource(
            label: "PayTR merchant salt", option: "--salt", environmentName: saltEnvironment, filePath: saltFile,
            defaultEnvironmentName: "PAYTR_MERCHANT_SALT"
        ).resolve()

        var callback =
            switch status {
            case .success:
                PayTRCallback.success(merchantOID: oid, amount: kurus, currency: currency, paymentType: paymentType, testMode: testMode == 1)
            case .failed:
                PayTRCallback.failed(
                    merchantOID: oid, reasonCode: reasonCode, reasonMessage: reasonMsg ?? PayTRFailureReason.message(for: reasonCode),
                    paymentType: paymentType, testMode: testMode == 1)
            }
        callback.callbackID = callbackId
        let signed = PayTRTestCallback(
            callback: callback, credentials: PayTRCredentials(merchantID: merchantId ?? "", merchantKey: key, merchantSalt: salt),
            tampered: tamper, wrongSecret: wrongSecret
        ).signed()
        return SignedCallback(url: output.send ?? output.url ?? "http://127.0.0.1:8080/billing/callback", signed: signed)
    }
}
