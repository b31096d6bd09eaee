"""`python -m dialer` is the same program as the `dialer` command."""

import sys

from dialer.cli import main

sys.exit(main())
