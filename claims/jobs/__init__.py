"""Background jobs an editor starts from the admin (a rescan, an import) and their outcome."""
