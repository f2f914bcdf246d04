"""Each subscription's web page and Atom feed: unguessable per-subscription tokens
(``tokens``), the archived cards with their cached summaries (``pages``), the Jinja2 templates
(``templates``, ``render``) and the routes the bot's HTTP server serves them on (``site``)."""
