"""What the dataset is called and under which licence it is published: one place for the package and the site."""

NAME = "china-ai-investments"
TITLE = "Alibaba's 2024 investments in Chinese AI start-ups: sourced claims"
ZIP_NAME = f"{NAME}.zip"
