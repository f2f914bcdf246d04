"""Authors a chat follows: name matching as arXiv lists names, the per-chat store, and the finder
that brings a followed author's new papers, in any category, into the chat's next digest."""
