"""Storage: SQLModel tables and the queries on them; the only package that opens sessions."""
