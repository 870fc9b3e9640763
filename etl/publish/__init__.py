"""The pipeline: rows from the inputs, the atomic SQLite write, the data package."""
