"""`python -m hardened_release`, the same as the `hardened-release` command."""

from hardened_release.cli import main

raise SystemExit(main())
