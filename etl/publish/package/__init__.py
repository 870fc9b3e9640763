"""The Frictionless data package, generated from the database and published with it."""
