"""Storage on SQLite and PostgreSQL.

``urls`` (DATABASE_URL), ``engine`` (async engines), ``tables`` (the schema, as owned by the
Alembic migrations in ``migrations/``), ``migrate`` (running them), ``sql_store`` (the Store
port) and ``cli`` (``drillbot db upgrade``). Nothing here is created at import time.
"""
