import sys

from ark.gateway.process import main

sys.exit(main())
