"""arXiv as a source: paper ids and links, the category taxonomy, the announcement feeds, the metadata API, and downloads from arXiv's hosts, one paced request at a time."""
