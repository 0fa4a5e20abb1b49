"""Bearer tokens: HS256 JWTs signed with JWT_SECRET_KEY whose `sub` is the user id."""

from datetime import datetime, timedelta, timezone

import jwt
from fastapi import Header, HTTPException

from .config import required, setting


def issue(user_id):
    expires = datetime.now(timezone.utc) + timedelta(minutes=int(setting("ACCESS_TOKEN_EXPIRE_MINUTES", "15")))
    return jwt.encode({"sub": str(user_id), "exp": expires, "type": "access"}, required("JWT_SECRET_KEY"),
                      algorithm=setting("JWT_ALGORITHM", "HS256"))


def current_user_id(authorization: str | None = Header(default=None)):
    unauthorized = HTTPException(401, "not authenticated", headers={"WWW-Authenticate": "Bearer"})
    if not authorization or not authorization.lower().startswith("bearer "):
        raise unauthorized
    try:
        claims = jwt.decode(authorization[7:].strip(), required("JWT_SECRET_KEY"),
                            algorithms=[setting("JWT_ALGORITHM", "HS256")], options={"require": ["exp", "sub"]})
        return int(claims["sub"])
    except (jwt.InvalidTokenError, ValueError):
        raise unauthorized from None
