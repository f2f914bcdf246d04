"""Platform adapters: each turns a platform's updates into core commands and core posts into messages."""
