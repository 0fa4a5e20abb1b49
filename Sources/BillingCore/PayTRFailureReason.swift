/// PayTR's `failed_reason_code` table (dev.paytr.com/hata-kodlari), with English messages.
public enum PayTRFailureReason {
    /// Code → the message PayTR's table gives for it.
    public static let messages: [String: String] = [
        "0": "Payment declined by the bank",
        "1": "Authentication not completed (phone number not entered)",
        "2": "Authentication failed (wrong SMS code)",
        "3": "Failed the security check",
        "4": "Transfer/EFT payment could not be detected",
        "5": "Transfer/EFT amount is insufficient",
        "6": "Customer abandoned the payment or it timed out",
        "8": "Installments are not allowed for this card",
        "9": "The store is not authorised for this card",
        "10": "3-D Secure is required for this card",
        "11": "Security alert",
        "99": "Technical integration error",
    ]

    /// The message for `code`, or a generic one for codes outside the table (41–45 and others).
    public static func message(for code: String) -> String {
        messages[code] ?? "Payment failed (reason code \(code))"
    }
}
