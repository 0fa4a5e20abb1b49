"""The three plans youarecoder sells, billed monthly in USD after a 14-day trial."""

TRIAL_DAYS = 14
PERIOD_DAYS = 30
CURRENCY = "USD"

PLANS = {
    "starter": {"name": "Starter", "price_usd": 29, "workspaces": 5, "storage_gb": 10},
    "team": {"name": "Team", "price_usd": 99, "workspaces": 20, "storage_gb": 50},
    "enterprise": {"name": "Enterprise", "price_usd": 299, "workspaces": None, "storage_gb": 250},
}
