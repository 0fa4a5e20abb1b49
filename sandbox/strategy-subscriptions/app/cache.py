"""The entitlements cache in Redis: `entitlements:<user id>` holds what GET subscription answers,
for ENTITLEMENTS_CACHE_SECONDS. Every change to a subscription deletes the key, so the next read
sees the new plan instead of a stale one."""

import json

import redis

from .config import required, setting

client = redis.Redis.from_url(required("REDIS_URL"), socket_timeout=2, decode_responses=True)
TTL = int(setting("ENTITLEMENTS_CACHE_SECONDS", "300"))


def key(user_id):
    return f"entitlements:{user_id}"


def get(user_id):
    value = client.get(key(user_id))
    return json.loads(value) if value else None


def put(user_id, entitlements):
    client.setex(key(user_id), TTL, json.dumps(entitlements))


def invalidate_entitlements_cache(user_id):
    client.delete(key(user_id))


def mark_webhook_processed(event_id):
    # Fast path for resent events; the audit log in PostgreSQL stays the source of truth.
    client.setex(f"webhook_processed:{event_id}", 86400, "1")


def webhook_processed(event_id):
    return client.exists(f"webhook_processed:{event_id}") == 1
