"""Create the database named in DATABASE_URL if the server does not have it yet."""

import os
import sys

import environ
import psycopg
from psycopg import sql

config = environ.Env.db_url_config(
    os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/preau")
)
params = {
    "host": config.get("HOST") or None,
    "port": config.get("PORT") or None,
    "user": config.get("USER") or None,
    "password": config.get("PASSWORD") or None,
    "dbname": "postgres",
    "autocommit": True,
}
try:
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"Created database {config['NAME']}")
except psycopg.Error as error:
    sys.exit(f"Cannot reach PostgreSQL ({error}). Check DATABASE_URL.")
