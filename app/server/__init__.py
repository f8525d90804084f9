"""earmark-server: FastAPI over SQLAlchemy; installed with `pip install earmark[server]`."""
