/// Where a field path of `rollout sign --set` or a `callback` step's `fields:` points in an
/// event, the same in both places.
///
/// A path is relative to the event's object, `data.object`: `amount`, `metadata.booking_id`,
/// `items.data.0.quantity`. `$.` starts at the envelope instead: `$.livemode`,
/// `$.request.idempotency_key`. A path written in full from the envelope (`data.object.amount`)
/// means the same as without the prefix, so commands written that way keep working.
public enum StripeFieldPath {
    /// The envelope path a field path stands for: `amount` → `data.object.amount`, `$.id` → `id`.
    public static func envelopePath(of path: String) -> String {
        if path.hasPrefix("$.") { return String(path.dropFirst(2)) }
        if path == "data.object" || path.hasPrefix("data.object.") { return path }
        return "data.object." + path
    }
}
