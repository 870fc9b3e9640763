"""ETL for the china-ai-investments dataset: sourced claims about Alibaba's AI investments into SQLite."""

DATASET_NAME = "china-ai-investments"
DATABASE_NAME = "china_ai_investments.db"
