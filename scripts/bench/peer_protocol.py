"""The Python side of lib/bench/peer.ts: one JSON request per stdin line, one JSON reply per
stdout line ({"ok": true, "result": ...} or {"ok": false, "error": "..."}). Every peer also
answers "memory" with its peak RSS (and that of the processes it waited for, e.g. Java)."""
import json
import resource
import sys
import traceback


def peak_rss_mb(children=False):
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def serve(handlers):
    handlers = dict(handlers)
    handlers.setdefault('memory', lambda r: {'peakRssMb': peak_rss_mb(), 'childrenPeakRssMb': peak_rss_mb(children=True)})
    # Replies go to the real stdout only; anything a library prints goes to stderr.
    out = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            handler = handlers.get(request.get('op'))
            if handler is None:
                raise ValueError(f"unknown op {request.get('op')!r}")
            reply = {'ok': True, 'result': handler(request)}
        except Exception as err:  # the orchestrator records the failure and goes on
            traceback.print_exc(file=sys.stderr)
            reply = {'ok': False, 'error': f'{type(err).__name__}: {err}'.split('\n')[0]}
        out.write(json.dumps(reply) + '\n')
        out.flush()
