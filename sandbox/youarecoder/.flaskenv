# `flask db upgrade` builds the app from the factory, not from wsgi.py: a migration never
# depends on what only the web server needs at start-up.
FLASK_APP=app:create_app
