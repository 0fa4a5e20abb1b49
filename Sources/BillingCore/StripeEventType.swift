/// The Stripe event types Rollout can sign, one template each.
public enum StripeEventType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case paymentIntentSucceeded = "payment_intent.succeeded"
    case paymentIntentPaymentFailed = "payment_intent.payment_failed"
    case chargeRefunded = "charge.refunded"
    case checkoutSessionCompleted = "checkout.session.completed"
    case customerSubscriptionUpdated = "customer.subscription.updated"
    case customerSubscriptionDeleted = "customer.subscription.deleted"
    case invoicePaymentSucceeded = "invoice.payment_succeeded"
    case invoicePaymentFailed = "invoice.payment_failed"
    case customerUpdated = "customer.updated"

    /// `payment_intent.succeeded`.
    public var description: String { rawValue }
}
