"""The analytics snapshot: Parquet files per workspace, table and month, and queries over them."""
