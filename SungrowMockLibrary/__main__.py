import gc
import sys

gc.disable()  # importing the command line builds many objects and frees few (cli.quick_start says why)
from .cli import main  # noqa: E402

gc.enable()
sys.exit(main())
