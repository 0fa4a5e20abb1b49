"""Schema migrations for the reference billing app: `python migrate.py upgrade|downgrade|current`.

Shaped like `flask db upgrade` / `alembic upgrade head`: numbered revisions, each with an upgrade
and a downgrade, and the current revision kept in the database.
"""

import os
import sys

import psycopg2
from dotenv import load_dotenv

REVISIONS = [
    (
        "0001_payments",
        """CREATE TABLE payments (
               id            serial PRIMARY KEY,
               provider      text    NOT NULL,
               external_id   text    NOT NULL,
               amount_minor  bigint  NOT NULL CHECK (amount_minor >= 0),
               fee_minor     bigint  NOT NULL,
               payout_minor  bigint  NOT NULL,
               currency      text    NOT NULL,
               status        text    NOT NULL,
               created_at    timestamptz NOT NULL DEFAULT now(),
               UNIQUE (provider, external_id))""",
        "DROP TABLE payments",
    ),
    (
        "0002_stripe_events",
        "CREATE TABLE stripe_events (event_id text PRIMARY KEY, type text NOT NULL, received_at timestamptz NOT NULL DEFAULT now())",
        "DROP TABLE stripe_events",
    ),
]


def main(command):
    load_dotenv(os.path.join(os.getcwd(), ".env"), override=True)
    with psycopg2.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS schema_revision (revision text NOT NULL)")
        cur.execute("SELECT revision FROM schema_revision")
        applied = [row[0] for row in cur.fetchall()]
        names = [name for name, _, _ in REVISIONS]
        if command == "current":
            print(applied[-1] if applied else "(none)")
        elif command == "upgrade":
            for name, up, _ in REVISIONS:
                if name not in applied:
                    cur.execute(up)
                    cur.execute("INSERT INTO schema_revision VALUES (%s)", (name,))
                    print(f"applied {name}")
        elif command == "downgrade":
            if applied:
                name = applied[-1]
                cur.execute(REVISIONS[names.index(name)][2])
                cur.execute("DELETE FROM schema_revision WHERE revision = %s", (name,))
                print(f"reverted {name}")
        else:
            raise SystemExit("usage: migrate.py upgrade|downgrade|current")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "upgrade")
