"""The WSGI entry point gunicorn serves: `gunicorn -c gunicorn.conf.py wsgi:app`.

Release `wont-start`: receipts by Mailjet need MAILJET_API_KEY, which no .env has, so every
gunicorn worker dies at import with a KeyError traceback. Migrations still run: `flask db`
builds the app from the factory (.flaskenv), not from this file.
"""

import os

from app import create_app

app = create_app()
app.config["MAILJET_API_KEY"] = os.environ["MAILJET_API_KEY"]
