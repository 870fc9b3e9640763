"""Reading the curated files faithfully and checking them against their JSON Schemas."""
