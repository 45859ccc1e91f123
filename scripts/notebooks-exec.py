"""Executes one notebook headlessly under a Jupyter kernel, for `npm run notebooks:check`.

Python is only the tool here (Jupyter's nbclient); the notebooks themselves are TypeScript
run by the tslab kernel, and scripts/notebooks.ts drives this script.

The committed notebook is only read: the executed copy, outputs and all, goes to --out. The
cells run in order and the run stops at the first failing one. The last line on stdout is one
JSON object:
  {"notebook": ..., "ok": true|false, "seconds": ..., "cells": N,
   "failed_cell": N (1-based, counting every cell as Jupyter shows them) | null,
   "source": first line of that cell, "error": its stderr / traceback}
The exit code is 0 when every cell ran, 1 when one failed, 2 for bad arguments.
"""

import argparse
import json
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def cell_error_text(cell, exc):
    """What went wrong in a cell: tslab reports errors on stderr, Python kernels as tracebacks."""
    parts = [o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    parts += ["\n".join(o.get("traceback", [])) for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    text = "\n".join(p.strip() for p in parts if p.strip())
    return text or str(exc).strip()


def execute(path, kernel, cwd, timeout):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, resources={"metadata": {"path": cwd}})
    result = {"notebook": path, "ok": True, "cells": len(nb.cells), "failed_cell": None, "source": None, "error": None}
    start = time.monotonic()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, index)
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
                first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
                result.update(ok=False, failed_cell=index + 1, source=first_line, error=cell_error_text(cell, exc))
                break
    result["seconds"] = round(time.monotonic() - start, 2)
    return nb, result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebook", help="the .ipynb to execute (read only)")
    ap.add_argument("--out", required=True, help="where to write the executed copy")
    ap.add_argument("--kernel", required=True, help="kernel name, e.g. meit-tslab")
    ap.add_argument("--cwd", required=True, help="the kernel's working directory")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = ap.parse_args(argv)
    nb, result = execute(args.notebook, args.kernel, args.cwd, args.timeout)
    nbformat.write(nb, args.out)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
