import Testing
@testable import BillingCore
