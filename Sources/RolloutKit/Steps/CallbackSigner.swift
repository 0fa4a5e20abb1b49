import BillingCore
import Foundation

/// Builds the signed callbacks of one `callback` step on one host, with `rollout sign`'s code.
struct CallbackSigner {
    /// PayTR form fields the notification model holds; the others are set after signing.
    static let paytrModelFields = [
        "merchant_oid", "status", "total_amount", "payment_amount", "payment_type", "currency", "test_mode",
        "failed_reason_code", "failed_reason_msg", "callback_id",
    ]
    let step: CallbackStep
    let fields: [(key: String, value: String)]
    let failure: (String) -> StepError
    private let secrets: [String: String]
    /// The playbook's `callback_defaults.stripe`, rendered: fields first (metadata as
    /// `metadata.<name>`), then `api_version`, `amount`, `currency` by name.
    private let stripeDefaults: (fields: [(key: String, value: String)], values: [String: String])

    init(_ step: CallbackStep, using renderer: some StepRendering) throws(StepError) {
        self.step = step
        var fields: [(key: String, value: String)] = []
        for field in step.fields {
            guard case .text(let template) = field.value else {
                throw renderer.failure("fields.\(field.key) must be a single value, not a list or mapping", hint: nil)
            }
            fields.append((field.key, try renderer.render(template).text))
        }
        self.fields = fields
        var secrets: [String: String] = [:]
        switch step.provider {
        case .paytr(let merchantID, let key, let salt):
            secrets["key"] = try renderer.render(key).text
            secrets["salt"] = try renderer.render(salt).text
            if let merchantID { secrets["merchant_id"] = try renderer.render(merchantID).text }
        case .stripe(let secret, let apiVersion):
            secrets["secret"] = try renderer.render(secret).text
            if let apiVersion { secrets["api_version"] = try renderer.render(apiVersion).text }
        }
        self.secrets = secrets
        var defaultFields: [(key: String, value: String)] = []
        var defaultValues: [String: String] = [:]
        if let defaults = step.defaults {
            for (prefix, entries) in [("metadata.", defaults.metadata), ("", defaults.fields)] {
                for entry in entries {
                    guard case .text(let template) = entry.value else {
                        throw renderer.failure(
                            "callback_defaults.stripe: \(prefix)\(entry.key) must be a single value, not a list or mapping", hint: nil)
                    }
                    defaultFields.append((prefix + entry.key, try renderer.render(template).text))
                }
            }
            for (name, template) in [("api_version", defaults.apiVersion), ("amount", defaults.amount), ("currency", defaults.currency)] {
                if let template { defaultValues[name] = try renderer.render(template).text }
            }
        }
        stripeDefaults = (defaultFields, defaultValues)
        failure = { renderer.failure($0, hint: nil) }
    }

    /// The `number`th callback (from 0): each has its own order or event id unless the scenario is a replay.
    func callback(number: Int) throws(StepError) -> SignedTestCallback {
        switch step.provider {
        case .paytr: try paytr(number: number)
        case .stripe: try stripe()
        }
    }

    private func paytr(number: Int) throws(StepError) -> SignedTestCallback {
        let value = { (name: String) in fields.last { $0.key == name }?.value }
        let oid: PayTRMerchantOID
        do {
            if let given = value("merchant_oid") {
                oid = try PayTRMerchantOID(step.sends > 1 && step.scenario != "replay" ? given + String(number + 1) : given)
            } else {
                oid = try PayTRMerchantOID.generate()
            }
        } catch {
            throw failure("fields.merchant_oid: \(error.description)")
        }
        var callback: PayTRCallback
        if step.scenario == "failed" || value("status") == "failed" {
            let code = value("failed_reason_code") ?? "0"
            callback = .failed(merchantOID: oid, reasonCode: code, reasonMessage: value("failed_reason_msg") ?? PayTRFailureReason.message(for: code))
        } else {
            callback = .success(merchantOID: oid, amount: 10_000)
        }
        for (name, text) in fields where Self.paytrModelFields.contains(name) {
            switch name {
            case "total_amount", "payment_amount":
                guard let kurus = Int64(text) else {
                    throw failure("fields.\(name) must be whole kuruş as PayTR posts them (9900 for 99.00), found '\(text)'")
                }
                if name == "total_amount" { callback.totalAmount = kurus } else { callback.paymentAmount = kurus }
            case "payment_type":
                guard let type = PayTRCallback.PaymentType(rawValue: text) else {
                    throw failure("fields.payment_type must be card or eft, found '\(text)'")
                }
                callback.paymentType = type
            case "currency":
                guard let currency = PayTRCurrency(code: text) else {
                    throw failure("fields.currency: unknown currency '\(text)'; use TL, TRY, USD, EUR, GBP or RUB")
                }
                callback.currency = currency
            case "test_mode":
                callback.testMode = text == "1" || text == "true"
            case "callback_id":
                callback.callbackID = text
            case "status":
                guard let status = PayTRCallback.Status(rawValue: text) else {
                    throw failure("fields.status must be success or failed, found '\(text)'")
                }
                callback.status = status
            default:
                break
            }
        }
        let credentials = PayTRCredentials(
            merchantID: secrets["merchant_id"] ?? "", merchantKey: secrets["key"] ?? "", merchantSalt: secrets["salt"] ?? "")
        let unsigned = fields.filter { !Self.paytrModelFields.contains($0.key) }.map { (name: $0.key, value: $0.value) }
        return PayTRTestCallback(callback: callback, credentials: credentials, tampered: step.scenario == "tampered", unsignedFields: unsigned)
            .signed()
    }

    /// A Stripe event: `fields` paths mean what `rollout sign stripe --set` paths mean
    /// (`StripeFieldPath`), after the playbook's `callback_defaults`.
    private func stripe() throws(StepError) -> SignedTestCallback {
        var overrides: [JSONOverride] = []
        for (origin, entries) in [("callback_defaults.stripe", stripeDefaults.fields), ("fields", fields)] {
            for (key, text) in entries {
                do { overrides.append(try JSONOverride(parsing: key + "=" + text)) } catch { throw failure("\(origin).\(key): \(error.reason)") }
            }
        }
        let versionText = secrets["api_version"] ?? stripeDefaults.values["api_version"]
        let version: StripeAPIVersion
        do { version = try versionText.map(StripeAPIVersion.init(parsing:)) ?? StripeEvent.defaultAPIVersion } catch {
            throw failure("api_version: \(error.description)")
        }
        var amount: Int64?
        if let text = stripeDefaults.values["amount"] {
            guard let value = CallbackDefaults.amount(text) else {
                throw failure("callback_defaults.stripe.amount must be a whole number of minor units (4900 for 49.00), found '\(text)'")
            }
            amount = value
        }
        let currency = stripeDefaults.values["currency"]
        if let currency, !StripeEvent.isCurrencyCode(currency) {
            throw failure("callback_defaults.stripe.currency must be a three-letter code such as usd or try, found '\(currency)'")
        }
        // Well past the 300 s every Stripe library accepts by default.
        let signedAt = Int64(Date().timeIntervalSince1970) - (step.scenario == "stale" ? 600 : 0)
        let event: StripeEvent
        do {
            event = try StripeEvent(
                type: step.stripeEventType, apiVersion: version, created: signedAt - 1, amount: amount, currency: currency,
                overrides: overrides)
        } catch {
            throw failure("fields: \(error.description)")
        }
        return StripeTestCallback(event: event, secrets: [secrets["secret"] ?? ""], timestamp: signedAt, tampered: step.scenario == "tampered")
            .signed()
    }
}
