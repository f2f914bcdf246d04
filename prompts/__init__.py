"""paperbot's LLM prompt templates, as Markdown files shipped with the package (read by bot.llm.prompts)."""
