"""The analyzer: parse each file once, visit it once with every enabled check."""
