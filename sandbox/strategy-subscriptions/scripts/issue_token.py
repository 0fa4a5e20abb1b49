"""Prints a bearer token for a user, creating the user first if needed:
`python scripts/issue_token.py EMAIL [STRIPE_CUSTOMER_ID]`.

For operators and smoke tests: the token is signed with JWT_SECRET_KEY from .env and expires
after ACCESS_TOKEN_EXPIRE_MINUTES. The user id goes to stderr, the token alone to stdout.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import select  # noqa: E402

from app.auth import issue  # noqa: E402
from app.db import Session  # noqa: E402
from app.models import User  # noqa: E402


def main(email, customer=None):
    with Session.begin() as session:
        user = session.execute(select(User).filter_by(email=email)).scalar_one_or_none()
        if user is None:
            user = User(email=email)
            session.add(user)
        if customer:
            user.stripe_customer_id = customer
        session.flush()
        user_id = user.id
    print(f"user_id={user_id}", file=sys.stderr)
    print(issue(user_id))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit("usage: python scripts/issue_token.py EMAIL [STRIPE_CUSTOMER_ID]")
    main(*sys.argv[1:])
