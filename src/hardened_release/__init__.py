"""hardened-release: adopt the release template into a repository, and plan, apply and check
the GitHub settings its release relies on."""
