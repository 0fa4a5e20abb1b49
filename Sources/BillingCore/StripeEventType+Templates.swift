// The nine event envelopes of billing/stripe_events/, embedded so that BillingCore needs no files.
// Realistic test values shaped like the objects `stripe trigger` creates, in the basil-and-later
// shape (invoice.parent.subscription_details, items.data[].current_period_*).
extension StripeEventType {
    /// The envelope as JSON text, keys in Stripe's order.
    var templateJSON: String {
        switch self {
        case .paymentIntentSucceeded:
            #"""
            {
              "id": "evt_3SmkTestPiSucceeded01",
              "object": "event",
              "api_version": "2026-10-28.endive",
              "created": 1767225598,
              "data": {
                "object": {
                  "id": "pi_3SmkTest0000001AbCdEf01",
                  "object": "payment_intent",
                  "amount": 297000,
                  "amount_capturable": 0,
                  "amount_received": 297000,
                  "application": null,
                  "capture_method": "automatic",
                  "client_secret": "pi_3SmkTest0000001AbCdEf01_secret_SmkTestSecret",
                  "confirmation_method": "automatic",
                  "created": 1767225595,
                  "currency": "try",
                  "customer": "cus_SmkTest0000001",
                  "description": "Smoke test order SMK-1001",
                  "last_payment_error": null,
                  "latest_charge": "ch_3SmkTest0000001AbCdEf01",
                  "livemode": false,
                  "metadata": {
                    "order_id": "SMK-1001",
                    "deploy_check": "true"
                  },
                  "next_action": null,
                  "payment_method": "pm_1SmkTest0000001AbCdEf01",
                  "payment_method_types": [
                    "card"
                  ],
                  "receipt_email": "smoke@example.com",
                  "setup_future_usage": null,
                  "shipping": null,
                  "status": "succeeded"
                }
              },
              "livemode": false,
              "pending_webhooks": 1,
              "request": {
                "id": "req_SmkTest00000001",
                "idempotency_key": "8f14e45f-ceea-467f-a0e6-0b5c1d2e3f40"
              },
              "type": "payment_intent.succeeded"
            }
            """#
        case .paymentIntentPaymentFailed:
            #"""
            {
              "id": "evt_3SmkTestPiFailed0002",
              "object": "event",
              "api_version": "2026-10-28.endive",
              "created": 1767225598,
              "data": {
                "object": {
                  "id": "pi_3SmkTest0000002AbCdEf02",
                  "object": "payment_intent",
                  "amount": 297000,
                  "amount_capturable": 0,
                  "amount_received": 0,
                  "application": null,
                  "capture_method": "automatic",
                  "client_secret": "pi_3SmkTest0000002AbCdEf02_secret_SmkTestSecret",
                  "confirmation_method": "automatic",
                  "created": 1767225595,
                  "currency": "try",
                  "customer": "cus_SmkTest0000001",
                  "description": "Smoke test order SMK-1001",
                  "last_payment_error": {
                    "charge": "ch_3SmkTest0000002AbCdEf02",
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "doc_url": "https://docs.stripe.com/error-codes/card-declined",
                    "message": "Your card was declined.",
                    "type": "card_error"
                  },
                  "latest_charge": "ch_3SmkTest0000002AbCdEf02",
                  "livemode": false,
                  "metadata": {
                    "order_id": "SMK-1002",
                    "deploy_check": "true"
                  },
                  "next_action": null,
                  "payment_method": null,
                  "payment_method_types": [
                    "card"
                  ],
                  "receipt_email": "smoke@example.com",
                  "setup_future_usage": null,
                  "shipping": null,
                  "status": "requires_payment_method"
                }
              },
              "livemode": false,
              "pending_webhooks": 1,
              "request": {
                "id": "req_SmkTest00000001",
                "idempotency_key": "8f14e45f-ceea-467f-a0e6-0b5c1d2e3f40"
              },
              "type": "payment_intent.payment_failed"
            }
            """#
        case .chargeRefunded:
            #"""
            {
              "id": "evt_3SmkTestChRefunded03",
              "object": "event",
              "api_version": "2026-10-28.endive",
              "created": 1767225599,
              "data": {
                "object": {
                  "id": "ch_3SmkTest0000001AbCdEf01",
                  "object": "charge",
                  "amount": 297000,
                  "amount_captured": 297000,
                  "amount_refunded": 297000,
                  "balance_transaction": "txn_3SmkTest0000001AbCdEf01",
                  "captured": true,
                  "created": 1767225595,
                  "currency": "try",
                  "customer": "cus_SmkTest0000001",
                  "description": "Smoke test order SMK-1001",
                  "disputed": false,
                  "failure_code": null,
                  "failure_message": null,
                  "livemode": false,
                  "metadata": {
                    "order_id": "SMK-1001"
                  },
                  "paid": true,
                  "payment_intent": "pi_3SmkTest0000001AbCdEf01",
                  "payment_method": "pm_1SmkTest0000001AbCdEf01",
                  "receipt_email": "smoke@example.com",
                  "refunded": true,
                  "status": "succeeded"
                }
              },
              "livemode": false,
              "pending_webhooks": 1,
              "request": {
                "id": "req_SmkTest00000003",
                "idempotency_key": "c1d2e3f4-0000-4000-8000-000000000003"
              },
              "type": "charge.refunded"
            }
            """#
        case .checkoutSessionCompleted:
            #"""
            {
              "id": "evt_1SmkTestCsCompleted4",
              "object": "event",
              "api_version": "2026-10-28.endive",
              "created": 1767225599,
              "data": {
                "object": {
                  "id": "cs_test_a1SmkTest0000001AbCdEf01",
                  "object": "checkout.session",
                  "amount_subtotal": 3000,
                  "amount_total": 3000,
                  "client_reference_id": "user_42",
                  "created": 1767225480,
                  "currency": "usd",
                  "customer": "cus_SmkTest0000001",
                  "customer_details": {
                    "email": "smoke@example.com",
                    "name": "Jenny Rosen",
                    "phone": null,
                    "address": null,
                    "tax_exempt": "none",
                    "tax_ids": []
                  },
                  "customer_email": null,
                  "expires_at": 1767311880,
                  "invoice": null,
                  "livemode": false,
                  "metadata": {
                    "order_id": "SMK-1003"
                  },
                  "mode": "payment",
                  "payment_intent": "pi_3SmkTest0000001AbCdEf01",
                  "payment_status": "paid",
                  "status": "complete",
                  "subscription": null,
                  "success_url": "https://shop.example.com/checkout/success?session_id={CHECKOUT_SESSION_ID}",
                  "total_details": {
                    "amount_discount": 0,
                    "amount_shipping": 0,
                    "amount_tax": 0
                  }
                }
              },
              "livemode": false,
              "pending_webhooks": 1,
              "request": {
                "id": null,
                "idempotency_key": null
              },
              "type": "checkout.session.completed"
            }
            """#
        case .customerSubscriptionUpdated:
            #"""
            {
              "id": "evt_1SmkTestSubUpdated05",
              "object": "event",
              "api_version": "2026-10-28.endive",
              "created": 1767225599,
              "data": {
                "object": {
                  "id": "sub_1SmkTest0000001AbCdEf01",
                  "object": "subscription",
                  "billing_cycle_anchor": 1766361600,
                  "cancel_at": null,
                  "cancel_at_period_end": false,
                  "canceled_at": null,
                  "cancellation_details": {
                    "comment": null,
                    "feedback": null,
                    "reason": null
                  },
                  "collection_method": "charge_automatically",
                  "created": 1766361600,
                  "currency": "usd",
                  "customer": "cus_SmkTest0000001",
                  "default_payment_method": "pm_1SmkTest0000001AbCdEf01",
                  "ended_at": null,
                  "items": {
                    "object": "list",
                    "data": [
                      {
                        "id": "si_SmkTest000001",
                        "object": "subscription_item",
                        "created": 1766361600,
                        "current_period_start": 1766361600,
                        "current_period_end": 1769040000,
                        "metadata": {},
                        "price": {
                          "id": "price_1SmkTest0000001AbCdEf",
                          "object": "price",
                          "active": true,
                          "currency": "usd",
                          "product": "prod_SmkTest000001",
                          "recurring": {
                            "interval": "month",
                            "interval_count": 1,
                            "usage_type": "licensed"
                          },
                          "type": "recurring",
                          "unit_amount": 1500
                        },
                        "quantity": 1,
                        "subscription": "sub_1SmkTest0000001AbCdEf01"
                      }
                    ],
                    "has_more": false,
                    "url": "/v1/subscription_items?subscription=sub_1SmkTest0000001AbCdEf01"
                  },
                  "latest_invoice": "in_1SmkTest0000001AbCdEf01",
                  "livemode": false,
                  "metadata": {
                    "foo": "bar"
                  },
                  "start_date": 1766361600,
                  "status": "active",
                  "trial_end": null,
                  "trial_start": null
                },
                "previous_attributes": {
                  "metadata": {
                    "foo": null
                  }
                }
              },
              "livemode": false,
              "pending_webhooks": 1,
              "request": {
                "id": "req_SmkTest00000005",
                "idempotency_key": null
              },
              "type": "customer.subscription.updated"
            }
            """#
        case .customerSubscriptionDeleted:
            #"""
            {
              "id": "evt_1SmkTestSubDeleted06",
              "object": "event",
              "api_version": "2026-10-28.endive",
              "created": 1767225600,
              "data": {
                "object": {
                  "id": "sub_1SmkTest0000001AbCdEf01",
                  "object": "subscription",
                  "billing_cycle_anchor": 1766361600,
                  "cancel_at": null,
                  "cancel_at_period_end": false,
                  "canceled_at": 1767225600,
                  "cancellation_details": {
                    "comment": null,
                    "feedback": null,
                    "reason": "cancellation_requested"
                  },
                  "collection_method": "charge_automatically",
                  "created": 1766361600,
                  "currency": "usd",
                  "customer": "cus_SmkTest0000001",
                  "default_payment_method": "pm_1SmkTest0000001AbCdEf01",
                  "ended_at": 1767225600,
                  "items": {
                    "object": "list",
                    "data": [
                      {
                        "id": "si_SmkTest000001",
                        "object": "subscription_item",
                        "created": 1766361600,
                        "current_period_start": 1766361600,
                        "current_period_end": 1769040000,
                        "metadata": {},
                        "price": {
                          "id": "price_1SmkTest0000001AbCdEf",
                          "object": "price",
                          "active": true,
                          "currency": "usd",
                          "product": "prod_SmkTest000001",
                          "recurring": {
                            "interval": "month",
                            "interval_count": 1,
                            "usage_type": "licensed"
                          },
                          "type": "recurring",
                          "unit_amount": 1500
                        },
                        "quantity": 1,
                        "subscription": "sub_1SmkTest0000001AbCdEf01"
                      }
                    ],
                    "has_more": false,
                    "url": "/v1/subscription_items?subscription=sub_1SmkTest0000001AbCdEf01"
                  },
                  "latest_invoice": "in_1SmkTest0000001AbCdEf01",
                  "livemode": false,
                  "metadata": {
                    "foo": "bar"
                  },
                  "start_date": 1766361600,
                  "status": "canceled",
                  "trial_end": null,
                  "trial_start": null
                }
              },
              "livemode": false,
              "pending_webhooks": 1,
              "request": {
                "id": "req_SmkTest00000006",
                "idempotency_key": null
              },
              "type": "customer.subscription.deleted"
            }
            """#
        case .invoicePaymentSucceeded:
            #"""
            {
              "id": "evt_1SmkTestInvPaid00007",
              "object": "event",
              "api_version": "2026-10-28.endive",
              "created": 1767222200,
              "data": {
                "object": {
                  "id": "in_1SmkTest0000001AbCdEf01",
                  "object": "invoice",
                  "account_country": "US",
                  "amount_due": 1500,
                  "amount_paid": 1500,
                  "amount_remaining": 0,
                  "attempt_count": 1,
                  "attempted": true,
                  "billing_reason": "subscription_cycle",
                  "collection_method": "charge_automatically",
                  "created": 1767222000,
                  "currency": "usd",
                  "customer": "cus_SmkTest0000001",
                  "customer_email": "smoke@example.com",
                  "customer_name": "Jenny Rosen",
                  "hosted_invoice_url": "https://invoice.stripe.com/i/acct_SmkTest/test_SmkInvoice",
                  "invoice_pdf": "https://pay.stripe.com/invoice/acct_SmkTest/test_SmkInvoice/pdf",
                  "lines": {
                    "object": "list",
                    "data": [
                      {
                        "id": "il_1SmkTest0000001AbCdEf01",
                        "object": "line_item",
                        "amount": 1500,
                        "currency": "usd",
                        "description": "1 × myproduct (at $15.00 / month)",
                        "invoice": "in_1SmkTest0000001AbCdEf01",
                        "livemode": false,
                        "metadata": {},
                        "parent": {
                          "type": "subscription_item_details",
                          "invoice_item_details": null,
                          "subscription_item_details": {
                            "invoice_item": null,
                            "proration": false,
                            "proration_details": {
                              "credited_items": null
                            },
                            "subscription": "sub_1SmkTest0000001AbCdEf01",
                            "subscription_item": "si_SmkTest000001"
                          }
                        },
                        "period": {
                          "start": 1766361600,
                          "end": 1769040000
                        },
                        "pricing": {
                          "type": "price_details",
                          "price_details": {
                            "price": "price_1SmkTest0000001AbCdEf",
                            "product": "prod_SmkTest000001"
                          },
                          "unit_amount_decimal": "1500"
                        },
                        "quantity": 1
                      }
                    ],
                    "has_more": false,
                    "url": "/v1/invoices/in_1SmkTest0000001AbCdEf01/lines"
                  },
                  "livemode": false,
                  "metadata": {},
                  "next_payment_attempt": null,
                  "number": "SMK-0001",
                  "parent": {
                    "type": "subscription_details",
                    "quote_details": null,
                    "subscription_details": {
                      "metadata": {
                        "foo": "bar"
                      },
                      "subscription": "sub_1SmkTest0000001AbCdEf01"
                    }
                  },
                  "period_end": 1766361600,
                  "period_start": 1763683200,
                  "status": "paid",
                  "status_transitions": {
                    "finalized_at": 1767222100,
                    "marked_uncollectible_at": null,
                    "paid_at": 1767222200,
                    "voided_at": null
                  },
                  "subtotal": 1500,
                  "total": 1500
                }
              },
              "livemode": false,
              "pending_webhooks": 1,
              "request": {
                "id": null,
                "idempotency_key": null
              },
              "type": "invoice.payment_succeeded"
            }
            """#
        case .invoicePaymentFailed:
            #"""
            {
              "id": "evt_1SmkTestInvFailed008",
              "object": "event",
              "api_version": "2026-10-28.endive",
              "created": 1767225540,
              "data": {
                "object": {
                  "id": "in_1SmkTest0000002AbCdEf02",
                  "object": "invoice",
                  "account_country": "US",
                  "amount_due": 1500,
                  "amount_paid": 0,
                  "amount_remaining": 1500,
                  "attempt_count": 1,
                  "attempted": true,
                  "billing_reason": "subscription_cycle",
                  "collection_method": "charge_automatically",
                  "created": 1767222000,
                  "currency": "usd",
                  "customer": "cus_SmkTest0000001",
                  "customer_email": "smoke@example.com",
                  "customer_name": "Jenny Rosen",
                  "hosted_invoice_url": "https://invoice.stripe.com/i/acct_SmkTest/test_SmkInvoice",
                  "invoice_pdf": "https://pay.stripe.com/invoice/acct_SmkTest/test_SmkInvoice/pdf",
                  "lines": {
                    "object": "list",
                    "data": [
                      {
                        "id": "il_1SmkTest0000001AbCdEf01",
                        "object": "line_item",
                        "amount": 1500,
                        "currency": "usd",
                        "description": "1 × myproduct (at $15.00 / month)",
                        "invoice": "in_1SmkTest0000001AbCdEf01",
                        "livemode": false,
                        "metadata": {},
                        "parent": {
                          "type": "subscription_item_details",
                          "invoice_item_details": null,
                          "subscription_item_details": {
                            "invoice_item": null,
                            "proration": false,
                            "proration_details": {
                              "credited_items": null
                            },
                            "subscription": "sub_1SmkTest0000001AbCdEf01",
                            "subscription_item": "si_SmkTest000001"
                          }
                        },
                        "period": {
                          "start": 1766361600,
                          "end": 1769040000
                        },
                        "pricing": {
                          "type": "price_details",
                          "price_details": {
                            "price": "price_1SmkTest0000001AbCdEf",
                            "product": "prod_SmkTest000001"
                          },
                          "unit_amount_decimal": "1500"
                        },
                        "quantity": 1
                      }
                    ],
                    "has_more": false,
                    "url": "/v1/invoices/in_1SmkTest0000001AbCdEf01/lines"
                  },
                  "livemode": false,
                  "metadata": {},
                  "next_payment_attempt": 1767484800,
                  "number": "SMK-0002",
                  "parent": {
                    "type": "subscription_details",
                    "quote_details": null,
                    "subscription_details": {
                      "metadata": {
                        "foo": "bar"
                      },
                      "subscription": "sub_1SmkTest0000001AbCdEf01"
                    }
                  },
                  "period_end": 1766361600,
                  "period_start": 1763683200,
                  "status": "open",
                  "status_transitions": {
                    "finalized_at": 1767222100,
                    "marked_uncollectible_at": null,
                    "paid_at": null,
                    "voided_at": null
                  },
                  "subtotal": 1500,
                  "total": 1500
                }
              },
              "livemode": false,
              "pending_webhooks": 1,
              "request": {
                "id": null,
                "idempotency_key": null
              },
              "type": "invoice.payment_failed"
            }
            """#
        case .customerUpdated:
            #"""
            {
              "id": "evt_1SmkTestCusUpdated09",
              "object": "event",
              "api_version": "2026-10-28.endive",
              "created": 1767225599,
              "data": {
                "object": {
                  "id": "cus_SmkTest0000001",
                  "object": "customer",
                  "address": null,
                  "balance": 0,
                  "created": 1767139200,
                  "currency": "usd",
                  "default_source": null,
                  "delinquent": false,
                  "description": "(created by smoke test) Müşteri – €",
                  "email": "ayse@example.com",
                  "invoice_settings": {
                    "custom_fields": null,
                    "default_payment_method": "pm_1SmkTest0000001AbCdEf01",
                    "footer": null,
                    "rendering_options": null
                  },
                  "livemode": false,
                  "metadata": {
                    "foo": "bar"
                  },
                  "name": "Ayşe Yılmaz",
                  "phone": null,
                  "preferred_locales": [
                    "tr"
                  ],
                  "shipping": null,
                  "tax_exempt": "none",
                  "test_clock": null
                },
                "previous_attributes": {
                  "metadata": {
                    "foo": null
                  }
                }
              },
              "livemode": false,
              "pending_webhooks": 1,
              "request": {
                "id": "req_SmkTest00000009",
                "idempotency_key": null
              },
              "type": "customer.updated"
            }
            """#
        }
    }
}
