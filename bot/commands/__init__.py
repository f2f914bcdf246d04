"""What users can type: /start, /help and /summarize; /ask and /analysis; and the subscription commands. Each module registers its commands with the router."""
