"""`python -m ferapp` runs the same entry point as the `ferapp` command."""

import sys

from ferapp.app import main

sys.exit(main())
