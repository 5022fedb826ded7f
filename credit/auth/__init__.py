"""Who is calling: passwords, signing keys, tokens, and the role and region rules."""
